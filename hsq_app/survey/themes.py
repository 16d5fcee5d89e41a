"""Themes (主题) from free text: complaint descriptions, survey comments and follow-up notes are
segmented in Chinese (jieba, with the admin's medical and hospital word list, HSQ Theme Word) into
themes per institution, department and month (HSQ Theme Month Stat).

A theme that rises sharply against its own baseline (at least ``theme_min_mentions`` this month and
``theme_rise_ratio`` times its average over the ``theme_baseline_months`` before) proposes one
concentrated-problem rectification task, alongside the category-based clusters
(hsq_app.rectification.clusters). A theme that already has an open task proposes nothing more.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import frappe
from frappe import _
from frappe.utils import add_days, add_months, cint, flt, get_first_day, getdate, today

from hsq_app.hsq_setup.departments import first_head
from hsq_app.survey import settings as survey_settings
from hsq_app.utils.bulk import insert_records

MONTH_STAT = "HSQ Theme Month Stat"
TASK = "HSQ Rectification Task"
TASK_SOURCE = "Concentrated Problem"
MIN_LENGTH = 2
MAX_EXAMPLES = 3
EXAMPLE_LENGTH = 60
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]*$")

_segmenter: dict = {}


def _word_list() -> tuple[dict, set, str]:
	rows = frappe.get_all("HSQ Theme Word", fields=["word", "word_type", "synonym_of", "modified"])
	version = max((str(r.modified) for r in rows), default="") + str(len(rows))
	synonyms = {
		r.word: r.synonym_of.strip() for r in rows if r.word_type == "Term" and (r.synonym_of or "").strip()
	}
	terms = {r.word for r in rows if r.word_type == "Term"}
	ignore = {r.word for r in rows if r.word_type == "Ignore"}
	return {"terms": terms, "synonyms": synonyms}, ignore, version


def segmenter():
	"""A jieba tokenizer that knows the admin's terms (rebuilt when the word list changes)."""
	words, ignore, version = _word_list()
	cached = _segmenter.get(frappe.local.site)
	if cached and cached["version"] == version:
		return cached
	import jieba

	jieba.setLogLevel(60)
	tokenizer = jieba.Tokenizer()
	for term in words["terms"]:
		tokenizer.add_word(term, freq=200000)
	cached = {"version": version, "tokenizer": tokenizer, "ignore": ignore, "synonyms": words["synonyms"]}
	_segmenter[frappe.local.site] = cached
	return cached


def themes_of(text: str | None, seg=None) -> set[str]:
	"""The distinct themes of one text."""
	if not text:
		return set()
	seg = seg or segmenter()
	out = set()
	for token in seg["tokenizer"].lcut(text):
		token = token.strip()
		if len(token) < MIN_LENGTH or not _WORD.match(token) or token in seg["ignore"]:
			continue
		out.add(seg["synonyms"].get(token, token))
	return out


# -- monthly cells ----------------------------------------------------------------------------------


def _texts(start: date, end: date):
	"""(source, institution, department, text, example) of the month: complaints, surveys, follow-ups."""
	until = add_days(end, 1)
	C = frappe.qb.DocType("HSQ Complaint")
	q = (
		frappe.qb.from_(C)
		.select(C.institution, C.department, C.description)
		.where(C.received_at >= start)
		.where(C.received_at < until)
	)
	if frappe.get_meta("HSQ Complaint").has_field("merged_into"):
		from frappe.query_builder.functions import IfNull

		q = q.where(IfNull(C.merged_into, "") == "")  # a merged complaint counts nowhere
	for inst, dept, text in q.run():
		yield "Complaint", inst, dept, text, None
	R = frappe.qb.DocType("HSQ Survey Response")
	for inst, dept, text in (
		frappe.qb.from_(R)
		.select(R.institution, R.department, R.comment)
		.where(R.submitted_at >= start)
		.where(R.submitted_at < until)
		.where(R.comment.isnotnull())
		.where(R.comment != "")
		.run()
	):
		yield "Survey", inst, dept, text, text
	F = frappe.qb.DocType("HSQ Follow Up")
	for inst, dept, notes, issue in (
		frappe.qb.from_(F)
		.select(F.institution, F.department, F.notes, F.issue_found)
		.where(F.completed_at >= start)
		.where(F.completed_at < until)
		.run()
	):
		text = " ".join(t for t in (notes, issue) if t)
		if text:
			yield "Follow Up", inst, dept, text, None


def refresh_month(month: date | str) -> int:
	"""Recompute every theme cell of a month from its texts. Returns the number of cells."""
	start = getdate(get_first_day(month))
	end = add_days(add_months(start, 1), -1)
	seg = segmenter()
	cells: dict[tuple, dict] = defaultdict(
		lambda: {"mentions": 0, "Complaint": 0, "Survey": 0, "Follow Up": 0, "examples": []}
	)
	for source, inst, dept, text, example in _texts(start, end):
		for theme in themes_of(text, seg):
			cell = cells[(inst, dept or None, theme)]
			cell["mentions"] += 1
			cell[source] += 1
			if example and len(cell["examples"]) < MAX_EXAMPLES:
				cell["examples"].append(example.replace("\n", " ")[:EXAMPLE_LENGTH])
	frappe.db.delete(MONTH_STAT, {"month": start})
	rows = [
		{
			"month": start,
			"institution": inst,
			"department": dept,
			"theme": theme[:140],
			"mentions": c["mentions"],
			"from_complaints": c["Complaint"],
			"from_surveys": c["Survey"],
			"from_follow_ups": c["Follow Up"],
			"examples": "\n".join(c["examples"]),
		}
		for (inst, dept, theme), c in cells.items()
	]
	insert_records(MONTH_STAT, rows)
	return len(rows)


# -- rising themes ------------------------------------------------------------------------------------


def _settings() -> tuple[int, float, int]:
	get = lambda f: survey_settings.get(f)  # noqa: E731
	return (
		cint(get("theme_min_mentions")) or 5,
		flt(get("theme_rise_ratio")) or 2.0,
		cint(get("theme_baseline_months")) or 3,
	)


def rising(month: date | str) -> list[frappe._dict]:
	"""Themes of a month that rose sharply against their own baseline, with department."""
	min_mentions, ratio, months = _settings()
	start = getdate(get_first_day(month))
	base_start = add_months(start, -months)
	T = frappe.qb.DocType(MONTH_STAT)
	current = (
		frappe.qb.from_(T)
		.select(T.institution, T.department, T.theme, T.mentions, T.examples)
		.where(T.month == start)
		.where(T.mentions >= min_mentions)
		.where(T.department.isnotnull())
		.run(as_dict=True)
	)
	if not current:
		return []
	from frappe.query_builder.functions import Sum

	base = {
		(r.institution, r.department, r.theme): r.total
		for r in frappe.qb.from_(T)
		.select(T.institution, T.department, T.theme, Sum(T.mentions).as_("total"))
		.where(T.month >= base_start)
		.where(T.month < start)
		.where(T.theme.isin([c.theme for c in current]))
		.groupby(T.institution, T.department, T.theme)
		.run(as_dict=True)
	}
	out = []
	for row in current:
		baseline = flt(base.get((row.institution, row.department, row.theme), 0)) / months
		if row.mentions >= ratio * max(baseline, 1):
			row.baseline = round(baseline, 1)
			out.append(row)
	return sorted(out, key=lambda r: -r.mentions)


def _source_name(theme: str, department: str) -> str:
	"""The task's source: a stored value, the same in every language (the key of "one task")."""
	return f"{theme} / {department}"


def propose_tasks(month: date | str) -> list[str]:
	"""One concentrated-problem task per rising theme and department that has no open task yet."""
	created = []
	for row in rising(month):
		source_name = _source_name(row.theme, row.department)
		if frappe.db.exists(
			TASK, {"source_type": TASK_SOURCE, "source_name": source_name, "workflow_state": ("!=", "Closed")}
		):
			continue
		dept = frappe.db.get_value("HSQ Department", row.department, ["department_name"], as_dict=True)
		leader = first_head(row.department)  # an active head of that department, or nobody
		doc = frappe.get_doc(
			{
				"doctype": TASK,
				"source_type": TASK_SOURCE,
				"source_name": source_name,
				"institution": row.institution,
				"responsible_department": row.department,
				"responsible_leader": leader,
				"raised_by_institution": 0,
				"problem": _(
					'Rising theme "{0}" in {1}: {2} mentions this month against a baseline of {3} a month. Examples: {4}'
				).format(
					row.theme,
					dept.department_name,
					row.mentions,
					row.baseline,
					(row.examples or "-").replace("\n", "；"),
				),
			}
		)
		doc.insert(ignore_permissions=True)
		from hsq_app.rectification.tasks import notify

		notify(
			leader,
			doc.name,
			_("Rising theme: rectification task {0} for {1} ({2})").format(
				doc.name, dept.department_name, row.theme
			),
		)
		created.append(doc.name)
	return created


def daily(day=None) -> list[str]:
	"""Daily job: this month's (and, on the 1st-3rd, last month's) themes, then rising themes."""
	survey_settings.reset()
	day = getdate(day or today())
	months = [get_first_day(day)]
	if day.day <= 3:
		months.insert(0, get_first_day(add_months(day, -1)))
	created = []
	for month in months:
		refresh_month(month)
		if not frappe.flags.in_test:
			frappe.db.commit()  # a month of cells is one unit (bulk job): keep it before proposing tasks
		created += propose_tasks(month)
	return created

"""Monthly follow-up reports: figures by SQL aggregation, drafting on the 1st, lateness, submission.

Figures of a month count the follow-ups *due* in that month (so coverage never passes 100%):
planned = all of them, completed / unreachable / refused by outcome, not_done = still pending or
overdue; average satisfaction and the dimension averages are over the completed ones (scores of
0 mean "not answered" and are left out); discharged counts the discharge records of the month.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Sum
from frappe.utils import add_months, cint, get_last_day, getdate, now_datetime, today

from hsq_app.follow_up import stats
from hsq_app.roles import BUREAU_ADMIN, BUREAU_INSPECTOR, INSTITUTION_LEADER, QUALITY_OFFICER
from hsq_app.utils.notify import bell

REPORT = "HSQ Follow Up Monthly Report"
SUBMITTERS = (QUALITY_OFFICER, INSTITUTION_LEADER, BUREAU_ADMIN, "System Manager")
REVIEWERS = (BUREAU_ADMIN, BUREAU_INSPECTOR, "System Manager")
FIGURES = (
	"discharged",
	"planned",
	"completed",
	"unreachable",
	"refused",
	"not_done",
	"coverage_percent",
	"avg_satisfaction",
	"issues_found",
	"complaints_raised",
)


def month_start(day) -> date:
	return getdate(day).replace(day=1)


def due_date_for(month: date) -> date:
	"""The due day (HSQ Settings.monthly_report_due_day, default 10) of the month after ``month``."""
	due_day = cint(frappe.db.get_single_value("HSQ Settings", "monthly_report_due_day", cache=False)) or 10
	following = getdate(add_months(month_start(month), 1))
	return following.replace(day=min(due_day, get_last_day(following).day))


def compute_figures(institutions: list[str], month) -> dict[str, dict]:
	"""{institution: figures and dimension rows} for one month."""
	start = month_start(month)
	return figures_between(institutions, start, getdate(get_last_day(start)))


def figures_between(institutions: list[str], start: date, end: date) -> dict[str, dict]:
	"""{institution: figures and dimension rows} for follow-ups due (discharges made) from start to
	end inclusive: three grouped queries whatever the number of institutions and rows — every
	figure is a sum of the per-day cells of hsq_app.follow_up.stats."""
	empty = {f: 0 for f in FIGURES}
	result = {i: {**empty, "dimension_scores": []} for i in institutions}
	if not institutions:
		return result

	_add_discharges(result, institutions, start, end)
	_add_day_cells(result, institutions, start, end)
	_add_dimension_scores(result, institutions, start, end)
	order = dimension_order()
	for figures in result.values():
		figures["dimension_scores"].sort(
			key=lambda r: (order.get(r["dimension"], len(order)), r["dimension"])
		)
	return result


def _add_discharges(result, institutions, start, end) -> None:
	for institution, n in stats.discharge_sums(institutions, start, end).items():
		result[institution]["discharged"] = n


def _add_day_cells(result, institutions, start, end) -> None:
	counted = ("planned", "completed", "unreachable", "refused", "not_done", "issues_found")
	sums = stats.due_sums(institutions, start, end, (*counted, "complaints_raised", "rated", "rating_sum"))
	for institution, row in sums.items():
		figures = result[institution]
		figures.update({f: row[f] for f in (*counted, "complaints_raised")})
		rated = row["rated"]
		figures["avg_satisfaction"] = round(float(row["rating_sum"]) / rated, 2) if rated else 0
		figures["coverage_percent"] = (
			round(100.0 * figures["completed"] / figures["planned"], 2) if figures["planned"] else 0
		)


def _add_dimension_scores(result, institutions, start, end) -> None:
	score = DocType(stats.SCORE_STAT)
	for row in (
		frappe.qb.from_(score)
		.select(
			score.institution,
			score.dimension,
			Sum(score.score_sum).as_("total"),
			Sum(score.responses).as_("n"),
		)
		.where(
			(score.basis == stats.DUE) & score.day.between(start, end) & score.institution.isin(institutions)
		)
		.groupby(score.institution, score.dimension)
		.run(as_dict=True)
	):
		n = int(row.n or 0)
		if not n:
			continue
		result[row.institution]["dimension_scores"].append(
			{"dimension": row.dimension, "avg_score": round(float(row.total) / n, 2), "responses": n}
		)


def dimension_order() -> dict[str, int]:
	"""Dimensions in the order of the county's active questionnaire (reports list them alike)."""
	from hsq_app.follow_up.doctype.hsq_follow_up.hsq_follow_up import questionnaire_dimensions
	from hsq_app.follow_up.questionnaire import active_templates

	template = active_templates([""]).get("")
	return {d: i for i, d in enumerate(questionnaire_dimensions(template))} if template else {}


def apply_figures(doc, figures: dict) -> None:
	doc.update({f: figures[f] for f in FIGURES})
	doc.set("dimension_scores", figures["dimension_scores"])
	doc.calculated_at = now_datetime()


def reporting_institutions() -> list[str]:
	"""Every enabled institution that reports (all but the bureau)."""
	return frappe.get_all(
		"HSQ Institution",
		filters={"institution_type": ("!=", "Bureau"), "disabled": 0},
		pluck="name",
		order_by="name",
	)


def draft_monthly_reports(on=None) -> list[str]:
	"""Scheduled on the 1st: a Draft report for the previous month for each institution lacking one."""
	month = month_start(add_months(getdate(on or today()), -1))
	have = set(frappe.get_all(REPORT, filters={"month": month}, pluck="institution"))
	missing = [i for i in reporting_institutions() if i not in have]
	figures = compute_figures(missing, month)
	made = []
	for institution in missing:  # bounded by the number of institutions, not by data
		doc = frappe.get_doc(
			{"doctype": REPORT, "institution": institution, "month": month, "status": "Draft", "is_late": 0}
		)
		apply_figures(doc, figures[institution])
		doc.insert(ignore_permissions=True)
		made.append(doc.name)
	return made


def flag_late_reports(on=None) -> list[str]:
	"""Daily: Draft reports past their due date become late; their institution's leaders are told once."""
	on = getdate(on or today())
	report = DocType(REPORT)
	late = (
		frappe.qb.from_(report)
		.select(report.name, report.institution, report.month)
		.where((report.status == "Draft") & (report.due_date < on) & (report.late_notified == 0))
		.run(as_dict=True)
	)
	if not late:
		return []
	names = [r.name for r in late]
	frappe.qb.update(report).set(report.is_late, 1).set(report.late_notified, 1).where(
		report.name.isin(names)
	).run()
	leaders = {
		r.name: [u for u in (r.deputy_head, r.principal_head) if u]
		for r in frappe.get_all(
			"HSQ Institution",
			filters={"name": ("in", list({r.institution for r in late}))},
			fields=["name", "deputy_head", "principal_head"],
		)
	}
	for r in late:
		for user in dict.fromkeys(leaders.get(r.institution, [])):
			bell(
				user,
				_("The follow-up report of {0} for {1} is overdue").format(r.institution, str(r.month)[:7]),
				REPORT,
				r.name,
			)
	return names


def _require(doc, roles: tuple[str, ...], action: str) -> None:
	doc.check_permission("write")
	if not set(frappe.get_roles()) & set(roles):
		frappe.throw(_("You may not {0} follow-up reports").format(action), frappe.PermissionError)


def recalculate(name: str):
	doc = frappe.get_doc(REPORT, name)
	_require(doc, SUBMITTERS, _("recalculate"))
	if doc.status != "Draft":
		frappe.throw(_("Only a draft report can be recalculated"))
	apply_figures(doc, compute_figures([doc.institution], doc.month)[doc.institution])
	doc.save()
	return doc


def submit(name: str, now=None):
	doc = frappe.get_doc(REPORT, name)
	_require(doc, SUBMITTERS, _("submit"))
	if doc.status != "Draft":
		frappe.throw(_("Report {0} has already been submitted").format(name))
	now = now or now_datetime()
	doc.flags.hsq_transition = True
	doc.update(
		{
			"status": "Submitted",
			"submitted_at": now,
			"submitted_by": frappe.session.user,
			"is_late": int(getdate(now) > getdate(doc.due_date)),
		}
	)
	doc.save()
	return doc


def mark_reviewed(name: str, comment: str | None = None):
	doc = frappe.get_doc(REPORT, name)
	_require(doc, REVIEWERS, _("review"))
	if doc.status != "Submitted":
		frappe.throw(_("Only a submitted report can be marked reviewed"))
	doc.flags.hsq_transition = True
	doc.update(
		{
			"status": "Reviewed",
			"reviewed_at": now_datetime(),
			"reviewed_by": frappe.session.user,
			"review_comment": comment if comment is not None else doc.review_comment,
		}
	)
	doc.save()
	return doc

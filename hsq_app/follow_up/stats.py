# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""Follow-up figures kept per day, so that reports over a county's year answer at once.

A county makes about a million follow-ups a year, each scored on five or six dimensions: adding
those up at report time means joining millions of score rows (10-30 s at 1 million follow-ups,
benchmarks/README.md). Like ERPNext's Bin for stock, small tables hold the sums instead:

- ``HSQ Follow Up Day Stat``: per due date, institution and department — planned, completed,
  unreachable, refused, not yet done (Pending or Overdue), rated and the sum of overall
  satisfaction, issues found, complaints raised;
- ``HSQ Satisfaction Day Stat``: per day, institution, department and questionnaire dimension —
  responses and the sum of scores (score > 0, completed follow-ups), once by due date (coverage,
  monthly reports) and once by the day of completion (the satisfaction report); dimension ``""``
  holds the overall satisfaction by day of completion;
- ``HSQ Discharge Day Stat``: per discharge date, institution and department — patients discharged
  (the denominator side of coverage and the inpatient survey quota). A county discharges a third of
  a million patients a year: counting them at report time grew with the years kept (about 0.55 s
  of the coverage report's year at 4 million follow-ups), these cells do not.

A cell is never adjusted by increments: it is recomputed from the follow-ups it sums (a day of an
institution is a few dozen rows), in the transaction that changed them. Every writer of follow-ups
calls in: the form (``HSQFollowUp.on_update``), the discharge import, turning a call into a
complaint; so does every writer of discharge records: their form (insert, and a change of
institution, department or day) and the import. Marking follow-ups Overdue changes no figure
(Pending and Overdue are both "not yet done"). ``rebuild()`` recomputes any range from scratch —
after a restore or a bulk load — and the daily job re-adds the last two months as a safety net.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.query_builder.functions import Sum
from frappe.utils import add_days, getdate, now_datetime, today

FOLLOW_UP = "HSQ Follow Up"
DISCHARGE = "HSQ Discharge Record"
DAY_STAT = "HSQ Follow Up Day Stat"
SCORE_STAT = "HSQ Satisfaction Day Stat"
DISCHARGE_STAT = "HSQ Discharge Day Stat"
DUE, COMPLETED = "Due", "Completed"
OVERALL = ""  # the dimension under which the overall satisfaction is kept
RECENT_DAYS = 62
ALL = object()  # refresh every department's cells


def _standard(user: str = "Administrator") -> dict:
	now = now_datetime()
	return {"now": now, "user": user}


def refresh_due(institution: str, start: date | str, end: date | str, department: str | None = ALL) -> None:
	"""Recompute the due-date cells of an institution from start to end (inclusive): of one
	department (None: the follow-ups without one) or, by default, of all."""
	values = {
		"institution": institution,
		"start": getdate(start),
		"end": getdate(end),
		"department": department or "",
		**_standard(),
	}
	only = "" if department is ALL else " AND IFNULL(department, '') = %(department)s"
	fu_only = "" if department is ALL else " AND IFNULL(fu.department, '') = %(department)s"
	# raw SQL throughout: set-based DELETE + INSERT … SELECT … GROUP BY have no frappe.qb form
	frappe.db.sql(
		f"DELETE FROM `tab{DAY_STAT}` WHERE institution = %(institution)s"
		f" AND due_date BETWEEN %(start)s AND %(end)s{only}",
		values,
	)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{DAY_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			due_date, institution, department, planned, completed, unreachable, refused, not_done,
			rated, rating_sum, issues_found, complaints_raised)
		SELECT MD5(CONCAT_WS('|', fu.due_date, fu.institution, IFNULL(fu.department, ''))),
			%(now)s, %(now)s, %(user)s, %(user)s, 0, 0,
			fu.due_date, fu.institution, NULLIF(IFNULL(fu.department, ''), ''),
			COUNT(*),
			SUM(fu.status = 'Completed'),
			SUM(fu.status = 'Unreachable'),
			SUM(fu.status = 'Refused'),
			SUM(fu.status IN ('Pending', 'Overdue')),
			SUM(fu.status = 'Completed' AND fu.overall_satisfaction > 0),
			SUM(CASE WHEN fu.status = 'Completed' AND fu.overall_satisfaction > 0
				THEN fu.overall_satisfaction ELSE 0 END),
			SUM(IFNULL(fu.issue_found, '') != ''),
			SUM(IFNULL(fu.complaint, '') != '')
		FROM `tab{FOLLOW_UP}` fu
		WHERE fu.institution = %(institution)s AND fu.due_date BETWEEN %(start)s AND %(end)s{fu_only}
		GROUP BY fu.due_date, IFNULL(fu.department, '')
		""",
		values,
	)
	frappe.db.sql(
		f"DELETE FROM `tab{SCORE_STAT}` WHERE institution = %(institution)s AND basis = 'Due'"
		f" AND day BETWEEN %(start)s AND %(end)s{only}",
		values,
	)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{SCORE_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			basis, day, institution, department, dimension, responses, score_sum)
		SELECT MD5(CONCAT_WS('|', 'Due', fu.due_date, fu.institution, IFNULL(fu.department, ''),
				s.dimension)),
			%(now)s, %(now)s, %(user)s, %(user)s, 0, 0,
			'Due', fu.due_date, fu.institution, NULLIF(IFNULL(fu.department, ''), ''), s.dimension,
			COUNT(*), SUM(s.score)
		FROM `tab{FOLLOW_UP}` fu
		JOIN `tabHSQ Follow Up Score` s ON s.parent = fu.name AND s.parenttype = '{FOLLOW_UP}'
		WHERE fu.institution = %(institution)s AND fu.due_date BETWEEN %(start)s AND %(end)s{fu_only}
			AND fu.status = 'Completed' AND s.score > 0
		GROUP BY fu.due_date, IFNULL(fu.department, ''), s.dimension
		""",
		values,
	)


def refresh_completed(
	institution: str, start: date | str, end: date | str, department: str | None = ALL
) -> None:
	"""Recompute the by-completion cells of an institution for the days start to end (inclusive):
	of one department (None: the follow-ups without one) or, by default, of all."""
	values = {
		"institution": institution,
		"start": getdate(start),
		"end": getdate(end),
		"until": add_days(getdate(end), 1),
		"department": department or "",
		**_standard(),
	}
	only = "" if department is ALL else " AND IFNULL(department, '') = %(department)s"
	frappe.db.sql(
		f"DELETE FROM `tab{SCORE_STAT}` WHERE institution = %(institution)s AND basis = 'Completed'"
		f" AND day BETWEEN %(start)s AND %(end)s{only}",
		values,
	)
	completed = (
		"fu.institution = %(institution)s AND fu.status = 'Completed'"
		" AND fu.completed_at >= %(start)s AND fu.completed_at < %(until)s"
	)
	if department is not ALL:
		completed += " AND IFNULL(fu.department, '') = %(department)s"
	frappe.db.sql(
		f"""
		INSERT INTO `tab{SCORE_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			basis, day, institution, department, dimension, responses, score_sum)
		SELECT MD5(CONCAT_WS('|', 'Completed', DATE(fu.completed_at), fu.institution,
				IFNULL(fu.department, ''), s.dimension)),
			%(now)s, %(now)s, %(user)s, %(user)s, 0, 0,
			'Completed', DATE(fu.completed_at), fu.institution, NULLIF(IFNULL(fu.department, ''), ''),
			s.dimension,
			COUNT(*), SUM(s.score)
		FROM `tab{FOLLOW_UP}` fu
		JOIN `tabHSQ Follow Up Score` s ON s.parent = fu.name AND s.parenttype = '{FOLLOW_UP}'
		WHERE {completed} AND s.score > 0
		GROUP BY DATE(fu.completed_at), IFNULL(fu.department, ''), s.dimension
		""",
		values,
	)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{SCORE_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			basis, day, institution, department, dimension, responses, score_sum)
		SELECT MD5(CONCAT_WS('|', 'Completed', DATE(fu.completed_at), fu.institution,
				IFNULL(fu.department, ''), '')),
			%(now)s, %(now)s, %(user)s, %(user)s, 0, 0,
			'Completed', DATE(fu.completed_at), fu.institution, NULLIF(IFNULL(fu.department, ''), ''), '',
			COUNT(*), SUM(fu.overall_satisfaction)
		FROM `tab{FOLLOW_UP}` fu
		WHERE {completed} AND fu.overall_satisfaction > 0
		GROUP BY DATE(fu.completed_at), IFNULL(fu.department, '')
		""",
		values,
	)


def refresh_discharges(institution: str, start: date | str, end: date | str) -> None:
	"""Recompute the discharge cells of an institution for the discharge dates start to end (inclusive)."""
	values = {"institution": institution, "start": getdate(start), "end": getdate(end), **_standard()}
	frappe.db.sql(
		f"DELETE FROM `tab{DISCHARGE_STAT}` WHERE institution = %(institution)s"
		" AND discharge_date BETWEEN %(start)s AND %(end)s",
		values,
	)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{DISCHARGE_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			discharge_date, institution, department, discharged)
		SELECT MD5(CONCAT_WS('|', dr.discharge_date, dr.institution, IFNULL(dr.department, ''))),
			%(now)s, %(now)s, %(user)s, %(user)s, 0, 0,
			dr.discharge_date, dr.institution, NULLIF(IFNULL(dr.department, ''), ''), COUNT(*)
		FROM `tab{DISCHARGE}` dr
		WHERE dr.institution = %(institution)s AND dr.discharge_date BETWEEN %(start)s AND %(end)s
		GROUP BY dr.discharge_date, IFNULL(dr.department, '')
		""",
		values,
	)


def discharge_changed(doc, before=None) -> None:
	"""Recompute the discharge cells a discharge record was and is counted in (called in the saving
	transaction): the day of its institution, before and after."""
	days = {
		(version.institution, getdate(version.discharge_date))
		for version in (before, doc)
		if version is not None and version.get("institution") and version.get("discharge_date")
	}
	for institution, day in days:
		refresh_discharges(institution, day, day)


def discharges_inserted(rows: list[tuple[str, date | str]]) -> None:
	"""After a bulk insert of discharge records: (institution, discharge date) of the rows stored."""
	for institution, (start, end) in _ranges(rows).items():
		refresh_discharges(institution, start, end)


def rebuild_discharges(
	start: date | str | None = None, end: date | str | None = None, institutions: list[str] | None = None
) -> None:
	"""Recompute the discharge cells from start to end (default: every discharge there is) of
	``institutions`` (default: every institution with discharges or discharge cells)."""
	first, last = frappe.db.sql(f"SELECT MIN(discharge_date), MAX(discharge_date) FROM `tab{DISCHARGE}`")[0]
	start, end = getdate(start) if start else first, getdate(end) if end else last
	if not (start and end):
		return
	if institutions is None:
		institutions = frappe.db.sql_list(
			f"SELECT DISTINCT institution FROM `tab{DISCHARGE}`"
			f" UNION SELECT DISTINCT institution FROM `tab{DISCHARGE_STAT}`"
		)
	for institution in filter(None, institutions):
		refresh_discharges(institution, start, end)


def discharge_sums(institutions: list[str], start, end) -> dict[str, int]:
	"""Institution -> patients discharged from ``start`` to ``end`` (days, inclusive)."""
	cell = frappe.qb.DocType(DISCHARGE_STAT)
	rows = (
		frappe.qb.from_(cell)
		.select(cell.institution, Sum(cell.discharged))
		.where(
			cell.institution.isin(institutions) & cell.discharge_date.between(getdate(start), getdate(end))
		)
		.groupby(cell.institution)
		.run()
	)
	return {institution: int(n or 0) for institution, n in rows}


def _ranges(rows: list[tuple[str, date | str]]) -> dict[str, list[date]]:
	"""One (first, last) day per institution of (institution, day) pairs."""
	ranges: dict[str, list[date]] = {}
	for institution, day in rows:
		d = getdate(day)
		span = ranges.setdefault(institution, [d, d])
		span[0], span[1] = min(span[0], d), max(span[1], d)
	return ranges


def follow_up_changed(doc, before=None) -> None:
	"""Recompute the cells a follow-up was and is counted in (called in the saving transaction):
	its department's cells of its due day and of its day of completion."""
	due, done = set(), set()
	for version in (before, doc):
		if version is None or not version.get("institution"):
			continue
		key = (version.institution, version.get("department") or None)
		if version.get("due_date"):
			due.add((*key, getdate(version.due_date)))
		if version.get("completed_at"):
			done.add((*key, getdate(version.completed_at)))
	for institution, department, day in due:
		refresh_due(institution, day, day, department)
	for institution, department, day in done:
		refresh_completed(institution, day, day, department)


def follow_ups_inserted(rows: list[tuple[str, date | str]]) -> None:
	"""After a bulk insert: (institution, due date) of the rows stored; one range per institution."""
	for institution, (start, end) in _ranges(rows).items():
		refresh_due(institution, start, end)


def rebuild(start: date | str | None = None, end: date | str | None = None, progress=None) -> dict:
	"""Recompute every cell from start to end (default: all the follow-ups and discharges there
	are), one institution at a time. Returns the number of cells written."""
	bounds = frappe.db.sql(
		f"SELECT MIN(due_date), MAX(due_date), MIN(DATE(completed_at)), MAX(DATE(completed_at))"
		f" FROM `tab{FOLLOW_UP}`"
	)[0]
	institutions = frappe.db.sql_list(
		f"SELECT DISTINCT institution FROM `tab{FOLLOW_UP}`"
		f" UNION SELECT DISTINCT institution FROM `tab{DISCHARGE}`"
		f" UNION SELECT DISTINCT institution FROM `tab{DAY_STAT}`"
		f" UNION SELECT DISTINCT institution FROM `tab{SCORE_STAT}`"
		f" UNION SELECT DISTINCT institution FROM `tab{DISCHARGE_STAT}`"
	)
	institutions = sorted(set(filter(None, institutions)))
	due_start = getdate(start) if start else bounds[0]
	due_end = getdate(end) if end else bounds[1]
	done_start = getdate(start) if start else bounds[2]
	done_end = getdate(end) if end else bounds[3]
	for i, institution in enumerate(institutions):
		if due_start and due_end:
			refresh_due(institution, due_start, due_end)
		if done_start and done_end:
			refresh_completed(institution, done_start, done_end)
		if progress:
			progress(i + 1, len(institutions), institution)
	rebuild_discharges(start, end, institutions)
	if not start and not end:
		# nothing is left of institutions without follow-ups (discharges) any more
		for table, source in ((DAY_STAT, FOLLOW_UP), (SCORE_STAT, FOLLOW_UP), (DISCHARGE_STAT, DISCHARGE)):
			frappe.db.sql(
				f"DELETE FROM `tab{table}` WHERE institution NOT IN"
				f" (SELECT DISTINCT institution FROM `tab{source}` WHERE institution IS NOT NULL)"
			)
	return {
		"institutions": len(institutions),
		"day_cells": frappe.db.count(DAY_STAT),
		"score_cells": frappe.db.count(SCORE_STAT),
		"discharge_cells": frappe.db.count(DISCHARGE_STAT),
	}


def rebuild_recent() -> None:
	"""Daily safety net: the last two months recomputed (a few seconds at a county's volume)."""
	rebuild(add_days(today(), -RECENT_DAYS), today())


def satisfaction(
	institution: str,
	start: date | str,
	end: date | str,
	department: str | None = None,
	dimension: str = OVERALL,
) -> float | None:
	"""Mean score of the follow-ups completed from start to end (days, inclusive) at an institution
	(one department, if given) on a questionnaire dimension (default: the overall satisfaction);
	None without a response. Read from the cells, for other modules (e.g. rectification's effect)."""
	st = frappe.qb.DocType(SCORE_STAT)
	query = (
		frappe.qb.from_(st)
		.select(Sum(st.score_sum), Sum(st.responses))
		.where(
			(st.basis == COMPLETED)
			& (st.institution == institution)
			& (st.dimension == dimension)
			& st.day.between(getdate(start), getdate(end))
		)
	)
	if department:
		query = query.where(st.department == department)
	total, responses = query.run()[0]
	return float(total) / float(responses) if responses else None


def due_sums(institutions: list[str], start, end, fields: tuple[str, ...]) -> dict[str, dict]:
	"""Institution -> the sums of ``fields`` over the day cells of follow-ups due from ``start`` to
	``end`` (days, inclusive), as ints; for the reports that sum them (monthly summaries)."""
	day = frappe.qb.DocType(DAY_STAT)
	rows = (
		frappe.qb.from_(day)
		.select(day.institution, *(Sum(day[f]).as_(f) for f in fields))
		.where(day.institution.isin(institutions) & day.due_date.between(getdate(start), getdate(end)))
		.groupby(day.institution)
		.run(as_dict=True)
	)
	return {r.institution: {f: int(r[f] or 0) for f in fields} for r in rows}

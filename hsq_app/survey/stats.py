"""Survey figures kept per day (HSQ Survey Day Stat), so indicators over millions of answers add up
a few thousand cells instead of the answers themselves (like hsq_app/follow_up/stats.py).

A cell is (day, kind, institution, department): answers, sum of overall scores, satisfied answers
(4-5) and low ones (at or below the low-score threshold at the time). Answers are never edited or
deleted, so the one door for writers, ``response_added`` (called from the response's
``after_insert``), adds the answer to its cell with an atomic upsert: concurrent answers of one
department never overwrite each other. ``rebuild()`` recomputes any range from the answers
themselves (after a restore or bulk load; the daily job re-adds the last days as a safety net).

Closed months are also kept whole (HSQ Survey Month Stat, rolled up from the day cells by the daily
job, ``roll_up_closed``), so a year's report adds up twelve cells per department instead of 365:
``whole_months`` says which months of a period may be read from them (closed, rolled up, entirely
inside the period); the rest of the period is read from the day cells. A rebuild of days in a
rolled month rolls that month again.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import add_days, add_months, cint, get_first_day, getdate, now_datetime, today

from hsq_app.survey import anonymity
from hsq_app.survey import settings as survey_settings

RESPONSE = "HSQ Survey Response"
DAY_STAT = "HSQ Survey Day Stat"
MONTH_STAT = "HSQ Survey Month Stat"
SATISFIED_FROM = 4
RECENT_DAYS = 7


def low_threshold() -> int:
	return cint(survey_settings.get("low_score_threshold")) or 2


def _key_sql(prefix: str = "") -> str:
	p = prefix
	return f"MD5(CONCAT_WS('|', {p}day, {p}kind, {p}institution, IFNULL({p}department, '')))"


def response_added(doc) -> None:
	"""Count one new answer in its day cell (inside the answer's transaction)."""
	score = cint(doc.overall_score)
	values = {
		"day": getdate(doc.submitted_at or now_datetime()),
		"kind": doc.kind,
		"institution": doc.institution,
		"department": doc.department or None,
		"score": score,
		"satisfied": int(score >= SATISFIED_FROM),
		"low": int(score <= low_threshold()),
		# staff answers: the cell keeps the day only (hsq_app.survey.anonymity)
		"now": anonymity.cell_time(doc.kind, doc.submitted_at),
	}
	# raw SQL: an atomic INSERT … ON DUPLICATE KEY UPDATE (the cell's name is its key) has no qb form
	frappe.db.sql(
		f"""
		INSERT INTO `tab{DAY_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			day, kind, institution, department, responses, score_sum, satisfied, low)
		VALUES (MD5(CONCAT_WS('|', %(day)s, %(kind)s, %(institution)s, IFNULL(%(department)s, ''))),
			%(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			%(day)s, %(kind)s, %(institution)s, %(department)s, 1, %(score)s, %(satisfied)s, %(low)s)
		ON DUPLICATE KEY UPDATE responses = responses + 1, score_sum = score_sum + VALUES(score_sum),
			satisfied = satisfied + VALUES(satisfied), low = low + VALUES(low), modified = VALUES(modified)
		""",
		values,
	)
	if values["day"] < getdate(get_first_day(today())) and rolled_through():
		_roll_again(values["day"], values["day"])  # a late answer of a month already kept whole


def rebuild(start: date | str | None = None, end: date | str | None = None) -> int:
	"""Recompute the cells from start to end (default: every answer). Returns the cells written."""
	if not start or not end:
		bounds = frappe.db.sql(
			f"SELECT MIN(DATE(submitted_at)), MAX(DATE(submitted_at)) FROM `tab{RESPONSE}`"
		)[0]
		start, end = start or bounds[0], end or bounds[1]
	if not start or not end:
		frappe.db.sql(f"DELETE FROM `tab{DAY_STAT}`")
		frappe.db.sql(f"DELETE FROM `tab{MONTH_STAT}`")
		return 0
	values = {
		"start": getdate(start),
		"end": getdate(end),
		"until": add_days(getdate(end), 1),
		"low": low_threshold(),
		"satisfied": SATISFIED_FROM,
		"now": now_datetime(),
	}
	# raw SQL: set-based DELETE + INSERT … SELECT … GROUP BY
	frappe.db.sql(f"DELETE FROM `tab{DAY_STAT}` WHERE day BETWEEN %(start)s AND %(end)s", values)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{DAY_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			day, kind, institution, department, responses, score_sum, satisfied, low)
		SELECT MD5(CONCAT_WS('|', DATE(r.submitted_at), r.kind, r.institution, IFNULL(r.department, ''))),
			%(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			DATE(r.submitted_at), r.kind, r.institution, NULLIF(IFNULL(r.department, ''), ''),
			COUNT(*), SUM(r.overall_score), SUM(r.overall_score >= %(satisfied)s),
			SUM(r.overall_score <= %(low)s)
		FROM `tab{RESPONSE}` r
		WHERE r.submitted_at >= %(start)s AND r.submitted_at < %(until)s
		GROUP BY DATE(r.submitted_at), r.kind, r.institution, IFNULL(r.department, '')
		""",
		values,
	)
	_roll_again(values["start"], values["end"])
	return cint(
		frappe.db.sql(
			f"SELECT COUNT(*) FROM `tab{DAY_STAT}` WHERE day BETWEEN %(start)s AND %(end)s", values
		)[0][0]
	)


def rebuild_recent() -> None:
	"""Daily safety net: the last week recomputed."""
	rebuild(add_days(today(), -RECENT_DAYS), today())
	roll_up_closed()


# -- whole months ----------------------------------------------------------------------------------


def rolled_through() -> date | None:
	"""The last month kept whole (every closed month up to it is rolled up)."""
	value = frappe.db.sql(f"SELECT MAX(month) FROM `tab{MONTH_STAT}`")[0][0]
	return getdate(value) if value else None


def roll_up(first_month: date, last_month: date) -> int:
	"""Recompute the month cells from first_month to last_month from the day cells."""
	values = {
		"first": getdate(get_first_day(first_month)),
		"last": getdate(get_first_day(last_month)),
		"until": add_months(getdate(get_first_day(last_month)), 1),
		"now": now_datetime(),
	}
	month = "DATE_SUB(d.day, INTERVAL DAYOFMONTH(d.day) - 1 DAY)"
	# raw SQL: set-based DELETE + INSERT … SELECT … GROUP BY (like rebuild)
	frappe.db.sql(f"DELETE FROM `tab{MONTH_STAT}` WHERE month BETWEEN %(first)s AND %(last)s", values)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{MONTH_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			month, kind, institution, department, responses, score_sum, satisfied, low)
		SELECT MD5(CONCAT_WS('|', {month}, d.kind, d.institution, IFNULL(d.department, ''))),
			%(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			{month}, d.kind, d.institution, NULLIF(IFNULL(d.department, ''), ''),
			SUM(d.responses), SUM(d.score_sum), SUM(d.satisfied), SUM(d.low)
		FROM `tab{DAY_STAT}` d
		WHERE d.day >= %(first)s AND d.day < %(until)s
		GROUP BY {month}, d.kind, d.institution, IFNULL(d.department, '')
		""",
		values,
	)
	return cint(
		frappe.db.sql(
			f"SELECT COUNT(*) FROM `tab{MONTH_STAT}` WHERE month BETWEEN %(first)s AND %(last)s", values
		)[0][0]
	)


def roll_up_closed(day: date | str | None = None) -> int:
	"""Daily: the closed months not yet kept whole, and the last one kept again (late answers)."""
	last_closed = add_months(getdate(get_first_day(day or today())), -1)
	through = rolled_through()
	if through:
		start = min(through, last_closed)
	else:
		first_day = frappe.db.sql(f"SELECT MIN(day) FROM `tab{DAY_STAT}`")[0][0]
		if not first_day:
			return 0
		start = getdate(get_first_day(first_day))
	return roll_up(start, last_closed) if start <= last_closed else 0


def _roll_again(start: date, end: date) -> None:
	"""Days of rolled months were recomputed: roll those months again."""
	through = rolled_through()
	if not through:
		return
	first = getdate(get_first_day(start))
	last = min(getdate(get_first_day(end)), through)
	if first <= last:
		roll_up(first, last)


def whole_months(start: date, end: date) -> tuple[date, date] | None:
	"""The first and last month of [start, end] that may be read from the month cells: whole months
	of the period, closed and rolled up; None when there is none."""
	start, end = getdate(start), getdate(end)
	first = start if start.day == 1 else add_months(getdate(get_first_day(start)), 1)
	last = add_months(getdate(get_first_day(add_days(end, 1))), -1)
	through = rolled_through()
	if not through:
		return None
	last = min(last, through, add_months(getdate(get_first_day(today())), -1))
	return (first, last) if first <= last else None

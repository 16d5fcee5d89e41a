# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""Complaint figures kept for the Complaint Ledger and the Monthly Bureau Summary (issue 14, part 6),
like the SLA Compliance cells of hsq_app.complaints.stats and kept by the same doors.

``HSQ Complaint Ledger Day Stat`` holds, per day of receipt, institution, department, category,
status and SLA status, the complaints the ledger counts (every one but merged duplicates): total,
upheld (finding Upheld or Partially Upheld) and, for the Not Accepted ones, escalated (the SLA
cells count every other escalation). ``HSQ Complaint Ledger Month Stat`` holds them added up per
month; a period reads its whole months there and the days of its partial months from the day cells
(``stats.periods``).

The SLA sweep moves open complaints from On Track to Warning to Breached by bulk UPDATEs; the cells
do not follow it. A complaint whose clock runs (not stopped, not resolved, not paused, with a
deadline, its stored status one of those three) is kept by the days of its warning and deadline
instead (``running``), and its status is read from them at report time: before its deadline day
Breached, after its warning day and before its deadline day Warning, before its warning day On
Track. The few complaints this cannot answer are read from the complaints themselves
(``ledger_groups``): those whose warning or deadline falls today, and those whose stored status the
sweep has not caught up with yet (an index range each on sla_status and the deadline, empty when the
sweep is current). The figures are the stored statuses' at every moment, as the ledger's rows show.

``HSQ Complaint Resolution Stat`` holds, per day of resolution and institution, the complaints
resolved (merged duplicates left out) and those resolved by their deadline.

Every cell is recomputed from the complaints it sums (never guessed) by ``stats.refresh`` and the
doors that call it (save, workflow, db_set, the deadline job, the merge of a duplicate, the
machine doors' worklist job, ``stats.rebuild``); the sweep changes no figure kept here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import frappe
from frappe.utils import add_days, add_months, get_datetime, getdate, now_datetime

from hsq_app.complaints import workflow as wf

COMPLAINT = "HSQ Complaint"
DAY_STAT = "HSQ Complaint Ledger Day Stat"
MONTH_STAT = "HSQ Complaint Ledger Month Stat"
RESOLUTION_STAT = "HSQ Complaint Resolution Stat"
SUMS = ("total", "upheld", "escalated")
ON_TRACK, WARNING, BREACHED = "On Track", "Warning", "Breached"
LIVE = (ON_TRACK, WARNING, BREACHED)
UPHELD = ("Upheld", "Partially Upheld")
# the only complaint columns a viewer's permission conditions may name for the cells to answer
CELL_COLUMNS = {"institution", "department", "category", "workflow_state"}
TODAY = "~"  # a running cell whose status depends on the minute (warning or deadline today)

# raw SQL fragments (fixed strings; values passed as parameters)
COUNTED = "IFNULL(c.merged_into, '') = ''"
RUNNING = (
	"(IFNULL(c.workflow_state, '') NOT IN %(stopped)s AND c.resolved_at IS NULL"
	" AND c.paused_since IS NULL AND c.resolve_by IS NOT NULL AND c.sla_status IN %(live)s)"
)
SLA = f"CASE WHEN {RUNNING} THEN NULL ELSE c.sla_status END"
DEADLINE = f"CASE WHEN {RUNNING} THEN DATE(c.resolve_by) END"
WARN = f"CASE WHEN {RUNNING} THEN DATE(c.warn_by) END"


def _enc(expr: str) -> str:
	# NULL and '' told apart, as the report's GROUP BY tells them apart
	return f"IFNULL(CONCAT('=', {expr}), '-')"


NAME = (
	"CONCAT(DATE(c.received_at), '-', MD5(CONCAT_WS('|',"
	f" {_enc('c.institution')}, {_enc('c.department')}, {_enc('c.category')},"
	f" {_enc('c.workflow_state')}, {_enc(SLA)}, {RUNNING}, {_enc(DEADLINE)}, {_enc(WARN)})))"
)


def _values(**kw) -> dict:
	from hsq_app.complaints.sla.clock import STOPPED_STATES

	return {
		"stopped": tuple(STOPPED_STATES),
		"live": LIVE,
		"upheld": UPHELD,
		"not_accepted": wf.NOT_ACCEPTED,
		**kw,
	}


def _month(day) -> date:
	return getdate(day).replace(day=1)


ALL = object()  # every department and category


def refresh(institution: str | None, start, end, department=ALL, category=ALL) -> None:
	"""Recompute an institution's ledger cells for the days of receipt start to end (inclusive): of
	one department and category (None: the complaints without one) or, by default, of all; then
	those months' month cells, from the day cells of the same slice."""
	values = _values(
		institution=institution,
		start=getdate(start),
		until=add_days(getdate(end), 1),
		department=None if department is ALL else department,
		category=None if category is ALL else category,
		now=now_datetime(),
	)
	cell, rows = ["s.institution <=> %(institution)s"], ["c.institution <=> %(institution)s"]
	if department is not ALL and category is not ALL:
		# one complaint's slice: over the (institution, department, category, day) indexes
		cell += ["s.department <=> %(department)s", "s.category <=> %(category)s"]
		rows += ["c.department <=> %(department)s", "c.category <=> %(category)s"]
	frappe.db.sql(
		f"DELETE s FROM `tab{DAY_STAT}` s WHERE s.day >= %(start)s AND s.day < %(until)s"
		f" AND {' AND '.join(cell)}",
		values,
	)
	# raw SQL: INSERT … SELECT … GROUP BY has no frappe.qb form
	frappe.db.sql(
		f"""
		INSERT INTO `tab{DAY_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			day, institution, department, category, workflow_state, sla_status, running,
			deadline_day, warn_day, total, upheld, escalated)
		SELECT {NAME}, %(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			DATE(c.received_at), c.institution, c.department, c.category, c.workflow_state, {SLA},
			{RUNNING}, {DEADLINE}, {WARN},
			COUNT(*),
			SUM(IFNULL(c.finding, '') IN %(upheld)s),
			SUM(IFNULL(c.workflow_state, '') = %(not_accepted)s AND IFNULL(c.escalation_level, 0) > 0)
		FROM `tab{COMPLAINT}` c
		WHERE c.received_at >= %(start)s AND c.received_at < %(until)s AND {" AND ".join(rows)}
			AND {COUNTED}
		GROUP BY 1
		""",
		values,
	)
	values.update(month=_month(values["start"]), next_month=add_months(_month(end), 1))
	frappe.db.sql(
		f"DELETE s FROM `tab{MONTH_STAT}` s WHERE s.day >= %(month)s AND s.day < %(next_month)s"
		f" AND {' AND '.join(cell)}",
		values,
	)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{MONTH_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			day, institution, department, category, workflow_state, sla_status, running,
			deadline_day, warn_day, total, upheld, escalated)
		SELECT CONCAT(DATE_FORMAT(s.day, '%%Y-%%m-01'), '-', SUBSTRING(s.name, 12)),
			%(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			DATE_FORMAT(s.day, '%%Y-%%m-01'), s.institution, s.department, s.category,
			s.workflow_state, s.sla_status, s.running, s.deadline_day, s.warn_day,
			SUM(s.total), SUM(s.upheld), SUM(s.escalated)
		FROM `tab{DAY_STAT}` s
		WHERE s.day >= %(month)s AND s.day < %(next_month)s AND {" AND ".join(cell)}
		GROUP BY 1
		""",
		values,
	)


def refresh_resolved(institution: str | None, start, end) -> None:
	"""Recompute an institution's resolution cells for the days of resolution start to end."""
	values = {
		"institution": institution,
		"start": getdate(start),
		"until": add_days(getdate(end), 1),
		"now": now_datetime(),
	}
	frappe.db.sql(
		f"DELETE r FROM `tab{RESOLUTION_STAT}` r WHERE r.day >= %(start)s AND r.day < %(until)s"
		" AND r.institution <=> %(institution)s",
		values,
	)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{RESOLUTION_STAT}` (name, creation, modified, owner, modified_by, docstatus,
			idx, day, institution, resolved, on_time)
		SELECT CONCAT(DATE(c.resolved_at), '-', MD5({_enc("c.institution")})),
			%(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			DATE(c.resolved_at), c.institution, COUNT(*), IFNULL(SUM(c.resolved_at <= c.resolve_by), 0)
		FROM `tab{COMPLAINT}` c
		WHERE c.resolved_at >= %(start)s AND c.resolved_at < %(until)s
			AND c.institution <=> %(institution)s AND {COUNTED}
		GROUP BY 1
		""",
		values,
	)


def resolution_key(doc) -> set:
	return (
		{("resolved", doc.get("institution"), getdate(doc.resolved_at))}
		if doc and doc.get("resolved_at")
		else set()
	)


def rebuild_resolved(start=None, end=None) -> None:
	"""Recompute the resolution cells for the days of resolution start to end (default: all)."""
	bounds = frappe.db.sql(f"SELECT MIN(DATE(resolved_at)), MAX(DATE(resolved_at)) FROM `tab{COMPLAINT}`")[0]
	first = getdate(start) if start else bounds[0]
	last = getdate(end) if end else bounds[1]
	if first and last:
		institutions = frappe.db.sql_list(
			f"SELECT DISTINCT institution FROM `tab{COMPLAINT}`"
			f" UNION SELECT DISTINCT institution FROM `tab{RESOLUTION_STAT}`"
		)
		for institution in institutions:
			refresh_resolved(institution, first, last)
	if not start and not end:
		frappe.db.sql(
			f"DELETE FROM `tab{RESOLUTION_STAT}` WHERE day < %(first)s OR day > %(last)s OR %(first)s IS NULL",
			{"first": first, "last": last},
		)


# --- reading -------------------------------------------------------------------------------------


def day_status(resolve_by, warn_by, today: date) -> str | None:
	"""A running complaint's SLA status from the days of its deadline and warning (None: it depends
	on the minute); the SQL of ``_STATUS`` in Python."""
	deadline = getdate(resolve_by)
	warn = getdate(warn_by) if warn_by else None
	if deadline == today or warn == today:
		return None
	if deadline < today:
		return BREACHED
	if warn is None or warn > today:
		return ON_TRACK
	return WARNING


_STATUS = f"""CASE WHEN s.running = 0 THEN s.sla_status
	WHEN s.deadline_day = %(today)s OR s.warn_day <=> %(today)s THEN '{TODAY}'
	WHEN s.deadline_day < %(today)s THEN '{BREACHED}'
	WHEN s.warn_day IS NULL OR s.warn_day > %(today)s THEN '{ON_TRACK}'
	ELSE '{WARNING}' END"""


def match_conditions() -> str | None:
	"""The viewer's permission conditions on HSQ Complaint, as frappe.get_list applies them
	(user permissions, permission query conditions, shared documents), rewritten for cell alias
	``s``; None when they name anything the cells do not hold (a shared document, the owner)."""
	from frappe.model.db_query import DatabaseQuery

	condition = DatabaseQuery(COMPLAINT).build_match_conditions()
	if not condition:
		return ""
	columns = set(re.findall(r"`tabHSQ Complaint`\.`(\w+)`", condition))
	rest = re.sub(r"`tabHSQ Complaint`\.`\w+`", "", condition)
	if not columns <= CELL_COLUMNS or "`tab" in rest or "`" in rest:
		return None
	return condition.replace("`tabHSQ Complaint`.", "s.")


def ledger_groups(filters, conditions: list) -> list | None:
	"""Complaints per (category, status, SLA status) under the ledger's filters and the viewer's
	permissions, added up from the cells; None when the cells cannot answer (a channel or finding
	filter, no period, permission conditions on other columns): the caller counts the complaints."""
	from hsq_app.complaints import stats

	if (
		filters.get("channel")
		or filters.get("finding")
		or not (filters.get("from_date") and filters.get("to_date"))
	):
		return None
	match = match_conditions()
	if match is None:
		return None
	start, end = getdate(filters.from_date), getdate(filters.to_date)
	now = get_datetime(now_datetime())
	today = now.date()
	values = {"today": today}
	where = []
	if match:
		where.append(f"({match})")
	for key in ("institution", "department", "category", "workflow_state"):
		if filters.get(key):
			where.append(f"s.{key} = %({key})s")
			values[key] = filters[key]
	counts: dict[tuple, int] = defaultdict(int)
	if start <= end:
		parts = []
		for i, (table, first, last) in enumerate(stats.periods(start, end)):
			table = MONTH_STAT if table == stats.MONTH_STAT else DAY_STAT
			values[f"first{i}"], values[f"until{i}"] = first, add_days(last, 1)
			period = (
				f"s.name >= %(first{i})s AND s.name < %(until{i})s"
				f" AND s.day >= %(first{i})s AND s.day < %(until{i})s"
			)
			parts.append(
				f"""SELECT s.category, s.workflow_state, {_STATUS} AS sla_status, SUM(s.total) AS n
				FROM `tab{table}` s WHERE {" AND ".join([period, *where])}
				GROUP BY 1, 2, 3"""
			)
		# raw SQL: UNION ALL of cell ranges and a CASE grouping have no clear frappe.qb form
		for row in frappe.db.sql(
			f"SELECT category, workflow_state, sla_status, SUM(n) FROM ({' UNION ALL '.join(parts)}) p"
			" GROUP BY 1, 2, 3",
			values,
		):
			if row[2] != TODAY:
				counts[(row[0], row[1], row[2])] += int(row[3])
		# the running complaints the days cannot answer, read from the complaints under the same
		# filters and permissions: their stored status replaces the one the days gave
		for row in _live_groups([c for c in conditions if c[1] != "sla_status"], now):
			derived = day_status(row.deadline_day, row.warn_day, today)
			if derived == row.sla_status:
				continue
			if derived is not None:
				counts[(row.category, row.workflow_state, derived)] -= row.n
			counts[(row.category, row.workflow_state, row.sla_status)] += row.n
	wanted = filters.get("sla_status")
	groups = [
		frappe._dict(category=k[0], workflow_state=k[1], sla_status=k[2], n=n)
		for k, n in counts.items()
		if n and (not wanted or k[2] == wanted)
	]
	groups.sort(key=lambda g: (g.category or "", g.workflow_state or "", g.sla_status or ""))
	return groups


def _live_groups(conditions: list, now) -> list:
	"""Running complaints whose status the days of their warning and deadline do not give: due or
	warned today, or stored otherwise than the days say (the sweep not caught up yet), counted per
	(category, status, stored SLA status, deadline day, warning day) in disjoint index ranges."""
	from hsq_app.complaints.sla.clock import STOPPED_STATES

	today = getdate(now)
	tomorrow = add_days(today, 1)
	running = [
		*conditions,
		[COMPLAINT, "workflow_state", "not in", list(STOPPED_STATES)],
		[COMPLAINT, "resolved_at", "is", "not set"],
		[COMPLAINT, "paused_since", "is", "not set"],
		[COMPLAINT, "resolve_by", "is", "set"],
	]

	def status(*values):
		return [COMPLAINT, "sla_status", "in", list(values)]

	def field(name, op, value):
		return [COMPLAINT, name, op, value]

	not_warned_today = [
		field("warn_by", "<", today),
		field("warn_by", ">=", tomorrow),
		field("warn_by", "is", "not set"),
	]
	queries = [
		# due today
		([status(*LIVE), field("resolve_by", ">=", today), field("resolve_by", "<", tomorrow)], None),
		# warned today, due another day
		(
			[status(*LIVE), field("warn_by", ">=", today), field("warn_by", "<", tomorrow)],
			[field("resolve_by", "<", today), field("resolve_by", ">=", tomorrow)],
		),
		# due before today, not warned today, not yet Breached
		([status(ON_TRACK, WARNING), field("resolve_by", "<", today)], not_warned_today),
		# warned before today and due after it, not Warning
		(
			[
				status(ON_TRACK, BREACHED),
				field("warn_by", "is", "set"),  # a date filter counts an empty date as 0001-01-01
				field("warn_by", "<", today),
				field("resolve_by", ">=", tomorrow),
			],
			None,
		),
		# neither warned nor due before tomorrow, not On Track
		(
			[status(WARNING, BREACHED), field("resolve_by", ">=", tomorrow)],
			[field("warn_by", ">=", tomorrow), field("warn_by", "is", "not set")],
		),
	]
	groups = []
	for extra, either in queries:
		groups += frappe.get_list(
			COMPLAINT,
			filters=[*running, *extra],
			or_filters=either,
			fields=[
				"category",
				"workflow_state",
				"sla_status",
				"date(resolve_by) as deadline_day",
				"date(warn_by) as warn_day",
				"count(*) as n",
			],
			group_by="category, workflow_state, sla_status, deadline_day, warn_day",
			order_by="category",
			limit_page_length=0,
		)
	return groups


def received_figures(institutions: list[str], start: date, end: date) -> dict:
	"""Per institution, the complaints received start to end (merged duplicates left out): received,
	closed, upheld and escalated (the SLA cells' escalations and the Not Accepted ones here)."""
	from hsq_app.complaints import stats

	if not institutions:
		return {}
	out: dict[str, dict] = {}
	values = {"institutions": tuple(institutions), "closed": wf.CLOSED}
	parts, sla_parts = [], []
	for i, (table, first, last) in enumerate(stats.periods(start, end)):
		values[f"first{i}"], values[f"until{i}"] = first, add_days(last, 1)
		period = (
			f"s.name >= %(first{i})s AND s.name < %(until{i})s AND s.day >= %(first{i})s"
			f" AND s.day < %(until{i})s AND s.institution IN %(institutions)s"
		)
		ledger = MONTH_STAT if table == stats.MONTH_STAT else DAY_STAT
		parts.append(
			f"""SELECT s.institution, SUM(s.total) AS received,
				SUM(CASE WHEN s.workflow_state = %(closed)s THEN s.total ELSE 0 END) AS closed,
				SUM(s.upheld) AS upheld, SUM(s.escalated) AS escalated
			FROM `tab{ledger}` s WHERE {period} GROUP BY 1"""
		)
		sla_parts.append(
			f"SELECT s.institution, SUM(s.escalated) AS escalated FROM `tab{table}` s WHERE {period} GROUP BY 1"
		)
	# raw SQL: UNION ALL of cell ranges
	for r in frappe.db.sql(
		f"SELECT institution, SUM(received), SUM(closed), SUM(upheld), SUM(escalated)"
		f" FROM ({' UNION ALL '.join(parts)}) p GROUP BY 1",
		values,
	):
		if r[1]:
			out[r[0]] = {
				"received": int(r[1]),
				"closed": int(r[2]),
				"upheld": int(r[3]),
				"escalated": int(r[4]),
			}
	for institution, escalated in frappe.db.sql(
		f"SELECT institution, SUM(escalated) FROM ({' UNION ALL '.join(sla_parts)}) p GROUP BY 1", values
	):
		if institution in out:
			out[institution]["escalated"] += int(escalated or 0)
	return out


def resolved_figures(institutions: list[str], start: date, end: date) -> dict:
	"""Per institution, the complaints resolved start to end: resolved and on time."""
	if not institutions:
		return {}
	R = frappe.qb.DocType(RESOLUTION_STAT)
	from frappe.query_builder.functions import Sum

	rows = (
		frappe.qb.from_(R)
		.select(R.institution, Sum(R.resolved).as_("resolved"), Sum(R.on_time).as_("on_time"))
		.where(R.institution.isin(institutions) & (R.day >= start) & (R.day <= end))
		.groupby(R.institution)
	).run(as_dict=True)
	return {
		r.institution: {"resolved": int(r.resolved), "on_time": int(r.on_time)} for r in rows if r.resolved
	}

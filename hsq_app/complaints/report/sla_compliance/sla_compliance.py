# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

"""SLA compliance by institution, department, channel or month (of receipt).

Met: resolved by the deadline. Late: resolved after it. Overdue: open past it.
Compliance = Met / (Met + Late + Overdue). Not Accepted complaints are left out.
"""

import frappe
from frappe import _
from frappe.utils import add_days, add_months, flt, getdate, now_datetime, today

from hsq_app.complaints import workflow as wf
from hsq_app.utils.report import report_scope

GROUPS = {
	# group by -> SQL expression (fixed strings, never user input)
	"Institution": "c.institution",
	"Department": "c.department",
	"Channel": "c.channel",
	"Month": "DATE_FORMAT(c.received_at, '%%Y-%%m')",
}
# the same groups over the per-day cells
CELL_GROUPS = {
	"Institution": "s.institution",
	"Department": "s.department",
	"Channel": "s.channel",
	"Month": "DATE_FORMAT(s.day, '%%Y-%%m')",
}


def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = filters.group_by if filters.group_by in GROUPS else "Institution"
	rows = get_rows(filters, group_by)
	if group_by == "Month":
		rows = every_month(rows, filters)
	return columns(group_by), rows, None, chart(rows, months=group_by == "Month")


EMPTY_MONTH = {
	**dict.fromkeys(("total", "met", "late", "overdue", "open_on_time", "escalated", "extended"), 0),
	"compliance": None,
	"avg_days": None,
}


def every_month(rows, filters):
	"""Each month of the period, those without complaints too (a trend shows every month)."""
	by_month = {r.grp: r for r in rows}
	month = getdate(filters.from_date or add_months(today(), -12)).replace(day=1)
	end = getdate(filters.to_date or today())
	out = []
	while month <= end:
		key = month.strftime("%Y-%m")
		out.append(by_month.pop(key, None) or frappe._dict(EMPTY_MONTH, grp=key, grp_value=key))
		month = add_months(month, 1)
	return out + list(by_month.values())


def columns(group_by):
	link = {"Institution": "HSQ Institution", "Department": "HSQ Department"}.get(group_by)
	first = {"fieldname": "grp", "label": _(group_by), "width": 200}
	first.update({"fieldtype": "Link", "options": link} if link else {"fieldtype": "Data"})
	return [
		first,
		{"fieldname": "total", "label": _("Number of Complaints"), "fieldtype": "Int", "width": 100},
		{"fieldname": "met", "label": _("Met"), "fieldtype": "Int", "width": 90},
		{"fieldname": "late", "label": _("Resolved Late"), "fieldtype": "Int", "width": 110},
		{"fieldname": "overdue", "label": _("Open Overdue"), "fieldtype": "Int", "width": 110},
		{"fieldname": "open_on_time", "label": _("Open On Time"), "fieldtype": "Int", "width": 110},
		{"fieldname": "compliance", "label": _("Compliance Rate"), "fieldtype": "Percent", "width": 120},
		{"fieldname": "escalated", "label": _("Escalated"), "fieldtype": "Int", "width": 90},
		{"fieldname": "extended", "label": _("Extended"), "fieldtype": "Int", "width": 90},
		{"fieldname": "avg_days", "label": _("Average Days to Resolve"), "fieldtype": "Float", "width": 140},
	]


def get_rows(filters, group_by):
	"""The report's rows, added up from the complaint cells (hsq_app.complaints.stats): a period's
	whole months from the month cells, its partial months from the day cells (a county's year is
	some 40,000 cells, however many complaints). Only the open complaints whose deadline falls
	today are read from the complaints (overdue or not depends on the minute). Equal to
	``rows_from_complaints`` (tests/test_complaint_cells.py)."""
	from hsq_app.complaints import stats

	query = _query(filters, group_by, "s")
	if query is None:
		return []
	conditions, values = query
	values["today"] = values["now"].date()
	grp = CELL_GROUPS[group_by]
	# whole months from the month cells, the days of partial months from the day cells; each part
	# as a range of cell names too (the clustered key, whatever index the optimizer prefers)
	parts = []
	for i, (table, first, last) in enumerate(stats.periods(values["from"], values["to"])):
		values[f"first{i}"], values[f"until{i}"] = first, add_days(last, 1)
		period = (
			f"s.name >= %(first{i})s AND s.name < %(until{i})s"
			f" AND s.day >= %(first{i})s AND s.day < %(until{i})s"
		)
		parts.append(
			f"""SELECT {grp} AS grp,
				SUM(s.total) AS total, SUM(s.met) AS met, SUM(s.late) AS late,
				SUM(CASE WHEN s.deadline_day < %(today)s THEN s.open ELSE 0 END) AS overdue,
				SUM(s.open) AS open, SUM(s.escalated) AS escalated, SUM(s.extended) AS extended,
				SUM(s.resolved) AS resolved, SUM(s.resolved_days) AS resolved_days
			FROM `tab{table}` s
			WHERE {" AND ".join([period, *conditions[2:]])}
			GROUP BY grp"""
		)
	# raw SQL: conditional sums, DATE_FORMAT grouping and UNION ALL have no clear frappe.qb form
	rows = frappe.db.sql(
		f"""
		SELECT grp, SUM(total) AS total, SUM(met) AS met, SUM(late) AS late, SUM(overdue) AS overdue,
			SUM(open) AS open, SUM(escalated) AS escalated, SUM(extended) AS extended,
			ROUND(SUM(resolved_days) / SUM(resolved), 8) AS avg_days
		FROM ({" UNION ALL ".join(parts)}) p
		GROUP BY grp
		ORDER BY grp
		""",
		values,
		as_dict=True,
	)
	# the open complaints due today: overdue once their deadline has passed (over the search index
	# of resolve_by: a day of deadlines, whatever the period)
	live_conditions, live_values = _query(filters, group_by, "c")
	live_values.update(values, not_accepted=wf.NOT_ACCEPTED, stopped=(wf.RESOLVED, wf.CLOSED))
	due_today = dict(
		frappe.db.sql(
			f"""
			SELECT {GROUPS[group_by]} AS grp, COUNT(*)
			FROM `tabHSQ Complaint` c FORCE INDEX (`resolve_by`)
			WHERE c.resolve_by >= %(today)s AND c.resolve_by < %(now)s
				AND {stats.OPEN} AND {stats.COUNTED} AND {" AND ".join(live_conditions)}
			GROUP BY grp
			""",
			live_values,
		)
	)
	for row in rows:
		for field in ("total", "met", "late", "overdue", "open", "escalated", "extended"):
			row[field] = int(row[field] or 0)
		row.overdue += int(due_today.get(row.grp) or 0)
		row.open_on_time = row.pop("open") - row.overdue
	return _finish(rows, group_by)


def rows_from_complaints(filters, group_by):
	"""The same rows counted from the complaints themselves (the reference the cells are tested
	against; what the report read before the cells)."""
	query = _query(filters, group_by, "c")
	if query is None:
		return []
	conditions, values = query
	conditions.append("IFNULL(c.workflow_state, '') != %(not_accepted)s")
	values["not_accepted"] = wf.NOT_ACCEPTED
	conditions.append("IFNULL(c.merged_into, '') = ''")  # a merged duplicate counts nowhere
	stopped = "IFNULL(c.workflow_state, '') IN %(stopped)s"
	values["stopped"] = (wf.RESOLVED, wf.CLOSED)
	# raw SQL: conditional aggregates and DATE_FORMAT grouping are clearer here than in frappe.qb
	rows = frappe.db.sql(
		f"""
		SELECT {GROUPS[group_by]} AS grp,
			COUNT(*) AS total,
			SUM(c.resolved_at IS NOT NULL AND c.resolved_at <= c.resolve_by) AS met,
			SUM(c.resolved_at IS NOT NULL AND c.resolved_at > c.resolve_by) AS late,
			SUM(c.resolved_at IS NULL AND NOT {stopped} AND c.resolve_by < %(now)s) AS overdue,
			SUM(c.resolved_at IS NULL AND NOT {stopped} AND (c.resolve_by IS NULL OR c.resolve_by >= %(now)s))
				AS open_on_time,
			SUM(c.escalation_level > 0) AS escalated,
			SUM(c.extension_days > 0) AS extended,
			AVG(CASE WHEN c.resolved_at IS NOT NULL
				THEN TIMESTAMPDIFF(MINUTE, c.received_at, c.resolved_at) / 1440 END) AS avg_days
		FROM `tabHSQ Complaint` c
		WHERE {" AND ".join(conditions)}
		GROUP BY grp
		ORDER BY grp
		""",
		values,
		as_dict=True,
	)
	return _finish(rows, group_by)


def _query(filters, group_by, alias):
	"""(conditions, values) of the period, the user's scope and the filters on table ``alias``
	(complaints ``c`` or cells ``s``); None when the user sees no institution."""
	institutions, department = report_scope()
	if institutions == []:
		return None
	values = {
		"from": getdate(filters.from_date or add_months(today(), -12)),
		"to": getdate(filters.to_date or today()),
		"now": now_datetime(),
	}
	received = "received_at" if alias == "c" else "day"
	conditions = [
		f"{alias}.{received} >= %(from)s",
		f"{alias}.{received} < DATE_ADD(%(to)s, INTERVAL 1 DAY)",
	]
	if institutions is not None:
		conditions.append(f"{alias}.institution IN %(institutions)s")
		values["institutions"] = tuple(institutions)
	if department:
		conditions.append(f"{alias}.department = %(scope_department)s")
		values["scope_department"] = department
	for field in ("institution", "department", "channel"):
		if filters.get(field):
			conditions.append(f"{alias}.{field} = %({field})s")
			values[field] = filters.get(field)
	return conditions, values


def _finish(rows, group_by):
	for row in rows:
		decided = flt(row.met) + flt(row.late) + flt(row.overdue)
		row.compliance = round(100 * flt(row.met) / decided, 1) if decided else None
		row.avg_days = round(flt(row.avg_days), 1) if row.avg_days is not None else None
		row.grp_value = row.grp  # the stored value, for the drill-down to the complaints behind a row
		if group_by == "Channel" and row.grp:
			row.grp = _(row.grp)
	return rows


def chart(rows, months=False):
	rows = [r for r in rows if months or r.compliance is not None]
	if not rows:
		return None
	return {
		"data": {
			"labels": [r.grp or _("Not Set") for r in rows],
			"datasets": [{"name": _("Compliance Rate"), "values": [r.compliance for r in rows]}],
		},
		"type": "bar",
		"fieldtype": "Percent",  # a rate, shown with one decimal and its percent sign
		"colors": ["#5e64ff"],
	}

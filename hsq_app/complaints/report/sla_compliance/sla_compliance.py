# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

"""SLA compliance by institution, department, channel or month (of receipt).

Met: resolved by the deadline. Late: resolved after it. Overdue: open past it.
Compliance = Met / (Met + Late + Overdue). Not Accepted complaints are left out.
"""

import frappe
from frappe import _
from frappe.utils import add_months, flt, getdate, now_datetime, today

from hsq_app.complaints import workflow as wf
from hsq_app.utils.report import report_scope

GROUPS = {
	# group by -> SQL expression (fixed strings, never user input)
	"Institution": "c.institution",
	"Department": "c.department",
	"Channel": "c.channel",
	"Month": "DATE_FORMAT(c.received_at, '%%Y-%%m')",
}


def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = filters.group_by if filters.group_by in GROUPS else "Institution"
	rows = get_rows(filters, group_by)
	if group_by == "Month":
		rows = every_month(rows, filters)
	return columns(group_by), rows, None, chart(rows, months=group_by == "Month")


EMPTY_MONTH = dict.fromkeys(("total", "met", "late", "overdue", "open_on_time", "escalated", "extended"), 0)


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
	institutions, department = report_scope()
	if institutions == []:
		return []
	values = {
		"from": getdate(filters.from_date or add_months(today(), -12)),
		"to": getdate(filters.to_date or today()),
		"now": now_datetime(),
	}
	conditions = ["c.received_at >= %(from)s", "c.received_at < DATE_ADD(%(to)s, INTERVAL 1 DAY)"]
	conditions.append("IFNULL(c.workflow_state, '') != %(not_accepted)s")
	values["not_accepted"] = wf.NOT_ACCEPTED
	conditions.append("IFNULL(c.merged_into, '') = ''")  # a merged duplicate counts nowhere
	if institutions is not None:
		conditions.append("c.institution IN %(institutions)s")
		values["institutions"] = tuple(institutions)
	if department:
		conditions.append("c.department = %(department)s")
		values["department"] = department
	for field in ("institution", "department", "channel"):
		if filters.get(field):
			conditions.append(f"c.{field} = %({field})s")
			values[field] = filters.get(field)
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

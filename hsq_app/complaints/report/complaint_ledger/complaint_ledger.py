# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""投诉台账: every complaint the viewer may see, with its routing, finding and SLA, exportable to Excel.

Rows come from ``frappe.get_list``, so institution and department isolation applies exactly as
in the list view; the complainant's name is shown only to roles that may read it.
"""

import frappe
from frappe import _

FIELDS = [
	("name", _("Complaint"), "Link", "HSQ Complaint", 140),
	("received_at", _("Received At"), "Datetime", None, 150),
	("channel", _("Channel"), "Data", None, 100),
	("institution", _("Institution"), "Link", "HSQ Institution", 160),
	("department", _("Department"), "Link", "HSQ Department", 140),
	("category", _("Category"), "Link", "HSQ Complaint Category", 110),
	("severity", _("Severity"), "Data", None, 70),
	("workflow_state", _("Status"), "Data", None, 100),
	("handler", _("Handler"), "Link", "User", 140),
	("finding", _("Finding"), "Data", None, 90),
	("complainant_feedback", _("Complainant Feedback"), "Data", None, 100),
	("resolve_by", _("Resolve By"), "Datetime", None, 150),
	("resolved_at", _("Resolved At"), "Datetime", None, 150),
	("sla_status", _("SLA Status"), "Data", None, 90),
	("escalation_level", _("Escalation Level"), "Int", None, 80),
	("reopen_count", _("Reopen Count"), "Int", None, 70),
]
TRANSLATED = {
	"channel",
	"severity",
	"workflow_state",
	"finding",
	"complainant_feedback",
	"sla_status",
	"category",
}


def execute(filters=None):
	filters = frappe._dict(filters or {})
	show_identity = 1 in (frappe.get_meta("HSQ Complaint").get_permlevel_access("read") or [])
	columns = [
		{"fieldname": f, "label": label, "fieldtype": ft, "options": opt, "width": w}
		for f, label, ft, opt, w in FIELDS
	]
	fields = [f for f, *_rest in FIELDS] + ["is_anonymous"]
	if show_identity:
		columns.insert(
			4, {"fieldname": "complainant_name", "label": _("Complainant"), "fieldtype": "Data", "width": 100}
		)
		fields.append("complainant_name")
	rows = frappe.get_list(
		"HSQ Complaint",
		filters=build_filters(filters),
		fields=fields,
		order_by="received_at desc",
		limit_page_length=0,
	)
	for row in rows:
		for f in TRANSLATED:
			if row.get(f):
				row[f] = _(row[f])
		if show_identity and row.is_anonymous:
			row.complainant_name = _("Anonymous")
	return columns, rows, None, chart(rows)


def build_filters(filters) -> list:
	out = []
	for key in (
		"institution",
		"department",
		"category",
		"channel",
		"workflow_state",
		"finding",
		"sla_status",
	):
		if filters.get(key):
			out.append(["HSQ Complaint", key, "=", filters[key]])
	if filters.get("from_date"):
		out.append(["HSQ Complaint", "received_at", ">=", filters.from_date])
	if filters.get("to_date"):
		out.append(["HSQ Complaint", "received_at", "<=", f"{filters.to_date} 23:59:59"])
	return out


def chart(rows):
	counts = {}
	for row in rows:
		counts[row.category] = counts.get(row.category, 0) + 1
	if not counts:
		return None
	return {
		"data": {
			"labels": list(counts),
			"datasets": [{"name": _("Complaints"), "values": list(counts.values())}],
		},
		"type": "bar",
	}

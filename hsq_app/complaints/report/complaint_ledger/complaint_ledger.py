# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""投诉台账: every complaint the viewer may see, with its routing, finding and SLA, exportable to Excel.

Rows come from ``frappe.get_list``, so institution and department isolation applies exactly as
in the list view; the complainant's name is shown only to roles that may read it. The desk shows
the latest rows (the limit filter: a county's year is half a million complaints); the summary and
the chart count every matching complaint: added up from the kept cells of
hsq_app.complaints.ledger_stats under the same filters and permissions, or, for the filters the
cells do not hold (channel, finding, no period), in one grouped query over the complaints.
"""

import frappe
from frappe import _

from hsq_app.complaints import ledger_stats
from hsq_app.complaints import workflow as wf
from hsq_app.complaints.repeats import counted

# (fieldname, label, fieldtype, options, width); labels are translated per request in execute()
FIELDS = [
	("name", "Complaint", "Link", "HSQ Complaint", 140),
	("received_at", "Received At", "Datetime", None, 150),
	("channel", "Channel", "Data", None, 100),
	("institution", "Institution", "Link", "HSQ Institution", 160),
	("department", "Department", "Link", "HSQ Department", 140),
	("category", "Category", "Link", "HSQ Complaint Category", 110),
	("severity", "Severity", "Data", None, 70),
	("workflow_state", "Status", "Data", None, 100),
	("handler", "Handler", "Link", "User", 140),
	("finding", "Finding", "Data", None, 90),
	("complainant_feedback", "Complainant Feedback", "Data", None, 100),
	("resolve_by", "Resolve By", "Datetime", None, 150),
	("resolved_at", "Resolved At", "Datetime", None, 150),
	("sla_status", "SLA Status", "Data", None, 90),
	("escalation_level", "Escalation Level", "Int", None, 80),
	("reopen_count", "Reopen Count", "Int", None, 70),
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


DEFAULT_LIMIT = 500  # the latest rows shown; the figures and the chart count them all
LIMITS = (500, 2000, 10000, 50000)


def execute(filters=None):
	filters = frappe._dict(filters or {})
	limit = int(filters.limit or DEFAULT_LIMIT)
	if limit not in LIMITS:
		frappe.throw(_("Rows shown must be one of {0}").format(", ".join(map(str, LIMITS))))
	show_identity = 1 in (frappe.get_meta("HSQ Complaint").get_permlevel_access("read") or [])
	columns = [
		{"fieldname": f, "label": _(label), "fieldtype": ft, "options": opt, "width": w}
		for f, label, ft, opt, w in FIELDS
	]
	fields = [f for f, *_rest in FIELDS] + ["is_anonymous"]
	if show_identity:
		columns.insert(
			4, {"fieldname": "complainant_name", "label": _("Complainant"), "fieldtype": "Data", "width": 100}
		)
		fields.append("complainant_name")
	conditions = build_filters(filters)
	# the latest rows (the desk cannot page a report); the figures and the chart count them all
	rows = frappe.get_list(
		"HSQ Complaint",
		filters=conditions,
		fields=fields,
		order_by="received_at desc",
		limit_page_length=limit,
	)
	translated = {}  # a few states, categories and levels, repeated over hundreds of rows
	for row in rows:
		for f in TRANSLATED:
			if value := row.get(f):
				if value not in translated:
					translated[value] = _(value)
				row[f] = translated[value]
		if show_identity and row.is_anonymous:
			row.complainant_name = _("Anonymous")
	groups = counts(conditions, filters)
	total = sum(g.n for g in groups)
	message = None
	if total > len(rows):
		message = _(
			"Showing the latest {0} of {1} complaints. Narrow the filters, choose more rows, or export"
			" all of them from the complaint list."
		).format(len(rows), total)
	return columns, rows, message, chart(groups), summary(groups, total)


def counts(conditions, filters=None) -> list:
	"""Complaints per (category, status, SLA status) under the filters and the viewer's permissions,
	every matching row, not only those shown: from the cells when they can answer."""
	groups = ledger_stats.ledger_groups(filters, conditions) if filters is not None else None
	return groups if groups is not None else counts_from_complaints(conditions)


def counts_from_complaints(conditions) -> list:
	"""The same counted from the complaints in one grouped query (what the report read before the
	cells; the reference they are tested against)."""
	return frappe.get_list(
		"HSQ Complaint",
		filters=conditions,
		fields=["category", "workflow_state", "sla_status", "count(*) as n"],
		group_by="category, workflow_state, sla_status",
		order_by="category",
		limit_page_length=0,
	)


def summary(groups, total) -> list:
	def count(test):
		return sum(g.n for g in groups if test(g))

	return [
		{"label": _("Number of Complaints"), "value": total, "datatype": "Int", "indicator": "Blue"},
		{
			"label": _("Closed"),
			"value": count(lambda g: g.workflow_state == wf.CLOSED),
			"datatype": "Int",
			"indicator": "Green",
		},
		{
			"label": _("Open Complaints"),
			"value": count(lambda g: g.workflow_state not in (wf.CLOSED, wf.RESOLVED, wf.NOT_ACCEPTED)),
			"datatype": "Int",
			"indicator": "Orange",
		},
		{
			"label": _("Breached"),
			"value": count(lambda g: g.sla_status == "Breached"),
			"datatype": "Int",
			"indicator": "Red",
		},
	]


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
	out.append(counted())  # a merged duplicate counts nowhere
	return out


def chart(groups):
	per_category = {}
	for g in groups:
		per_category[g.category] = per_category.get(g.category, 0) + g.n
	if not per_category:
		return None
	ordered = sorted(per_category.items(), key=lambda kv: -kv[1])
	return {
		"data": {
			"labels": [_(c) if c else _("Not Set") for c, _n in ordered],
			"datasets": [{"name": _("Number of Complaints"), "values": [n for _c, n in ordered]}],
		},
		"type": "bar",
	}

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""问责台账: every proposed, approved or dismissed accountability record."""

import frappe
from frappe import _

from hsq_app.utils.report import column, ledger_query

RECORD = "HSQ Accountability Record"


def execute(filters=None):
	rows = data(frappe._dict(filters or {}))
	return columns(), rows, None, chart(rows)


def chart(rows) -> dict | None:
	"""Records per institution, by status (proposed, approved, dismissed)."""
	if not rows:
		return None
	institutions = sorted({r.institution for r in rows})
	statuses = [_("Proposed"), _("Approved"), _("Dismissed")]
	counts = {}
	for r in rows:
		counts[(r.institution, r.status)] = counts.get((r.institution, r.status), 0) + 1
	return {
		"data": {
			"labels": institutions,
			"datasets": [
				{"name": s, "values": [counts.get((i, s), 0) for i in institutions]} for s in statuses
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#ecad4b", "#e24c4c", "#98a2b3"],
	}


def columns() -> list[dict]:
	col = column

	return [
		col("name", "Accountability Record", "Link", 140, RECORD),
		col("year", "Year", "Int", 70),
		col("subject_type", "Subject Type", width=90),
		col("staff", "Staff", "Link", 120, "HSQ Staff"),
		col("staff_name", "Staff Name", width=100),
		col("institution", "Institution", "Link", 160, "HSQ Institution"),
		col("category", "Category", "Link", 110, "HSQ Complaint Category"),
		col("threshold", "Threshold", "Int", 80),
		col("count", "Upheld Complaints", "Int", 90),
		col("action", "Accountability Action", width=240),
		col("status", "Status", width=90),
		col("needs_review", "Needs Review", "Check", 80),
		col("decided_by", "Decided By", "Link", 130, "User"),
		col("decided_at", "Decided At", "Datetime", 150),
		col("dismiss_reason", "Dismiss Reason", width=180),
	]


FIELDS = (
	"name",
	"year",
	"subject_type",
	"staff",
	"staff_name",
	"institution",
	"category",
	"threshold",
	"count",
	"action",
	"status",
	"needs_review",
	"decided_by",
	"decided_at",
	"dismiss_reason",
)


def data(filters) -> list[dict]:
	A, q = ledger_query(RECORD, FIELDS, filters, ("institution", "subject_type", "status", "staff"))
	if filters.get("year"):
		q = q.where(A.year == int(filters.year))
	rows = q.orderby(A.year, order=frappe.qb.desc).orderby(A.creation, order=frappe.qb.desc).run(as_dict=True)
	for row in rows:
		row.subject_type = _(row.subject_type)
		row.status = _(row.status)
	return rows

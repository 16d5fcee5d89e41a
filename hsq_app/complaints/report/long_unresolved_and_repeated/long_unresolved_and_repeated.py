# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

"""长期未解决和重复反映: the leader's list, oldest first (rows through frappe.get_list in
hsq_app.complaints.repeats.long_unresolved, so institution and department isolation apply)."""

from frappe import _

from hsq_app.complaints.repeats import long_unresolved
from hsq_app.utils.report import column


def execute(filters=None):
	columns = [
		column("name", "Complaint", "Link", 140, "HSQ Complaint"),
		column("received_at", "Received At", "Datetime", 150),
		column("institution", "Institution", "Link", 160, "HSQ Institution"),
		column("department", "Department", "Link", 120, "HSQ Department"),
		column("category", "Category", "Link", 110, "HSQ Complaint Category"),
		column("workflow_state", "Status", "Data", 100),
		column("repeat_count", "Repeat Count", "Int", 90),
		column("repeat_of", "Repeat Of", "Link", 140, "HSQ Complaint"),
		column("urge_count", "Urge and Supervision Notices", "Int", 90),
	]
	rows = long_unresolved(limit=500)
	for row in rows:
		row.workflow_state = _(row.workflow_state)
	return columns, rows

"""The index SLA Compliance reads today's deadlines of open complaints over (hsq_app.complaints.stats)."""

import frappe


def execute():
	frappe.db.add_index("HSQ Complaint", ["resolve_by"], "hsq_resolve_by_index")

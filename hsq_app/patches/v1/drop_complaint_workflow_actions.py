"""Complaints no longer get Frappe's Workflow Action rows (hsq_app.boot): drop the stale ones."""

import frappe


def execute():
	frappe.db.sql(
		"""delete r from `tabWorkflow Action Permitted Role` r
		join `tabWorkflow Action` a on a.name = r.parent
		where a.reference_doctype = 'HSQ Complaint'"""
	)
	frappe.db.delete("Workflow Action", {"reference_doctype": "HSQ Complaint"})

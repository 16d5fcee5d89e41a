# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQComplaintLedgerMonthStat(Document):
	"""The ledger's day cells added up per month, written only by hsq_app.complaints.ledger_stats."""


def on_doctype_update():
	import frappe

	frappe.db.add_index(
		"HSQ Complaint Ledger Month Stat",
		["institution", "department", "category", "day"],
		"category_slice_index",
	)
	frappe.db.add_index("HSQ Complaint Ledger Month Stat", ["day"])

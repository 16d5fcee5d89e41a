# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQComplaintLedgerDayStat(Document):
	"""A materialized aggregate written only by hsq_app.complaints.ledger_stats: never edited by
	hand; rebuilt from the complaints at any time with ``stats.rebuild()``."""


def on_doctype_update():
	import frappe

	# one complaint's slice (a save refreshes its institution, department and category on its day)
	frappe.db.add_index(
		"HSQ Complaint Ledger Day Stat",
		["institution", "department", "category", "day"],
		"category_slice_index",
	)
	frappe.db.add_index("HSQ Complaint Ledger Day Stat", ["day"])

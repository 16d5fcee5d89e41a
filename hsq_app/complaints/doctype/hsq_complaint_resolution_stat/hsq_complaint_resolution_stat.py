# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQComplaintResolutionStat(Document):
	"""Resolutions per day and institution, written only by hsq_app.complaints.ledger_stats."""


def on_doctype_update():
	import frappe

	frappe.db.add_index("HSQ Complaint Resolution Stat", ["institution", "day"])

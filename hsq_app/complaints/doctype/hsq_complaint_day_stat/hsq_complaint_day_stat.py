# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQComplaintDayStat(Document):
	"""A materialized aggregate written only by hsq_app.complaints.stats (like ERPNext's Bin): never
	edited by hand; rebuilt from the complaints at any time with ``stats.rebuild()``."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		channel: DF.Data | None
		day: DF.Date
		deadline_day: DF.Date | None
		department: DF.Link | None
		escalated: DF.Int
		extended: DF.Int
		institution: DF.Link | None
		late: DF.Int
		met: DF.Int
		open: DF.Int
		resolved: DF.Int
		resolved_days: DF.Float
		total: DF.Int
	# end: auto-generated types


def on_doctype_update():
	import frappe

	# an institution's cells by day (a refresh, a scoped user's report)
	frappe.db.add_index("HSQ Complaint Day Stat", ["institution", "day"])
	frappe.db.add_index("HSQ Complaint Day Stat", ["day"])
	# one complaint's slice (a save refreshes its institution, department and channel on its day)
	frappe.db.add_index(
		"HSQ Complaint Day Stat", ["institution", "department", "channel", "day"], "slice_index"
	)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQFollowUpDayStat(Document):
	"""A materialized aggregate written only by hsq_app.follow_up.stats (like ERPNext's Bin): never
	edited by hand; rebuilt from the follow-ups at any time with ``stats.rebuild()``."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		complaints_raised: DF.Int
		completed: DF.Int
		department: DF.Link | None
		due_date: DF.Date
		institution: DF.Link
		issues_found: DF.Int
		not_done: DF.Int
		planned: DF.Int
		rated: DF.Int
		rating_sum: DF.Int
		refused: DF.Int
		unreachable: DF.Int
	# end: auto-generated types


def on_doctype_update():
	import frappe

	frappe.db.add_index("HSQ Follow Up Day Stat", ["institution", "due_date"])

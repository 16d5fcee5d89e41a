# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQDischargeDayStat(Document):
	"""A materialized aggregate written only by hsq_app.follow_up.stats (like ERPNext's Bin): never
	edited by hand; rebuilt from the discharge records at any time with ``stats.rebuild()``."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		department: DF.Link | None
		discharge_date: DF.Date
		discharged: DF.Int
		institution: DF.Link
	# end: auto-generated types


def on_doctype_update():
	import frappe

	# covering: the reports add up an institution's discharges over a range of days from the index alone
	frappe.db.add_index(
		"HSQ Discharge Day Stat",
		["institution", "discharge_date", "department", "discharged"],
		"hsq_discharge_day_covering_index",
	)

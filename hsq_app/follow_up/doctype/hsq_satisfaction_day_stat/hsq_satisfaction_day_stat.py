# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQSatisfactionDayStat(Document):
	"""A materialized aggregate written only by hsq_app.follow_up.stats (like ERPNext's Bin): never
	edited by hand; rebuilt from the follow-ups at any time with ``stats.rebuild()``."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		basis: DF.Literal["Due", "Completed"]
		day: DF.Date
		department: DF.Link | None
		dimension: DF.Data | None
		institution: DF.Link
		responses: DF.Int
		score_sum: DF.Int
	# end: auto-generated types


def on_doctype_update():
	import frappe

	# covering: the reports add up responses and scores over a range of days without the rows
	frappe.db.add_index(
		"HSQ Satisfaction Day Stat",
		["basis", "day", "institution", "department", "dimension", "responses", "score_sum"],
		"hsq_satisfaction_covering_index",
	)
	frappe.db.add_index("HSQ Satisfaction Day Stat", ["institution", "basis", "day"])

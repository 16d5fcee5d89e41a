# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQSpotCheckItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		checked_at: DF.Datetime | None
		completed_at: DF.Datetime | None
		department: DF.Link | None
		follow_up: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		patient_name: DF.Data | None
		patient_phone: DF.Data | None
		recorded_satisfaction: DF.Int
		result: DF.SmallText | None
		verified: DF.Literal["", "Confirmed", "Not Confirmed", "Unreachable"]
	# end: auto-generated types
	pass

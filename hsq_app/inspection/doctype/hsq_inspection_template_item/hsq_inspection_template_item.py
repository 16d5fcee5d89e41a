# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQInspectionTemplateItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		applies_to: DF.Data | None
		area: DF.Literal[
			"Guidance",
			"Convenience",
			"Green Channel",
			"Appearance",
			"Complaint Channels",
			"Medical Ethics",
			"Other",
		]
		category: DF.Link | None
		check_type: DF.Literal["Yes/No", "Count", "Score"]
		item: DF.SmallText
		max_score: DF.Int
		minimum: DF.Int
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		weight: DF.Float
	# end: auto-generated types
	pass

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQRecognitionStaffResult(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accountability: DF.Int
		compliments: DF.Int
		department: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		proposed: DF.Check
		rank: DF.Int
		satisfaction: DF.Float
		satisfaction_count: DF.Int
		score: DF.Float
		staff: DF.Link | None
		upheld_complaints: DF.Int
	# end: auto-generated types
	pass

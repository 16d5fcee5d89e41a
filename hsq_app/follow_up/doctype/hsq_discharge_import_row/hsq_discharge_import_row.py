# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQDischargeImportRow(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		medical_record_no: DF.Data | None
		message: DF.SmallText | None
		outcome: DF.Literal["Invalid", "Duplicate"]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		patient_name: DF.Data | None
		row_no: DF.Int
	# end: auto-generated types
	pass

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQRectificationComplaint(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		category: DF.Link | None
		complaint: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		received_at: DF.Datetime | None
	# end: auto-generated types
	pass

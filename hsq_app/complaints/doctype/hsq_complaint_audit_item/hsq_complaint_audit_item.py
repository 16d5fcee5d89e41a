# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQComplaintAuditItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		category: DF.Link | None
		checked_at: DF.Datetime | None
		checked_by: DF.Link | None
		closed_at: DF.Datetime | None
		complainant_feedback: DF.Data | None
		complaint: DF.Link
		department: DF.Link | None
		finding: DF.Data | None
		note: DF.SmallText | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		verdict: DF.Literal["", "Compliant", "Non-compliant"]
	# end: auto-generated types
	pass

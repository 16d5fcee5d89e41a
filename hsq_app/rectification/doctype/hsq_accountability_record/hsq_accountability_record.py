# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from hsq_app.rectification import accountability


class HSQAccountabilityRecord(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.rectification.doctype.hsq_accountability_complaint.hsq_accountability_complaint import (
			HSQAccountabilityComplaint,
		)

		action: DF.SmallText | None
		auto_dismissed: DF.Check
		category: DF.Link | None
		complaints: DF.Table[HSQAccountabilityComplaint]
		count: DF.Int
		decided_at: DF.Datetime | None
		decided_by: DF.Link | None
		dedupe_key: DF.Data | None
		dismiss_reason: DF.SmallText | None
		institution: DF.Link
		naming_series: DF.Literal["WZ-.YYYY.-"]
		needs_review: DF.Check
		rule: DF.Link
		staff: DF.Link | None
		staff_name: DF.Data | None
		status: DF.Literal["Proposed", "Approved", "Dismissed"]
		subject_type: DF.Literal["Staff", "Institution"]
		threshold: DF.Int
		year: DF.Int

	# end: auto-generated types
	def validate(self):
		accountability.validate_record(self)

	def on_trash(self):
		accountability.on_trash_record(self)

	@frappe.whitelist(methods=["POST"])
	def approve(self) -> dict:
		"""The proposal decides itself (bureau admins only)."""
		return accountability.decide(self, "Approved")

	@frappe.whitelist(methods=["POST"])
	def dismiss(self, reason: str | None = None) -> dict:
		return accountability.decide(self, "Dismissed", reason)

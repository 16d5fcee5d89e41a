# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_first_day, getdate

from hsq_app.complaints import audit


class HSQComplaintAudit(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.complaints.doctype.hsq_complaint_audit_item.hsq_complaint_audit_item import (
			HSQComplaintAuditItem,
		)

		compliant_count: DF.Int
		conclusion: DF.SmallText | None
		inspector: DF.Link | None
		institution: DF.Link
		items: DF.Table[HSQComplaintAuditItem]
		month: DF.Date
		non_compliant_count: DF.Int
		population: DF.Int
		sample_rate: DF.Percent
		sample_size: DF.Int
		seed: DF.Data | None
		status: DF.Literal["In Review", "Completed"]

	# end: auto-generated types
	def before_insert(self):
		self.normalize_month()
		if self.institution and self.month:
			audit.fill_sample(self)

	def before_validate(self):
		self.normalize_month()

	def validate(self):
		audit.validate_audit(self)

	def normalize_month(self):
		if self.month:
			self.month = get_first_day(getdate(self.month))

	def on_trash(self):
		frappe.throw(_("Audit records are never deleted"))

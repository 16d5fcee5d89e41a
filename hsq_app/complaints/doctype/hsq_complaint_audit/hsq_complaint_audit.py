# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_first_day, getdate

from hsq_app.complaints import audit


class HSQComplaintAudit(Document):
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

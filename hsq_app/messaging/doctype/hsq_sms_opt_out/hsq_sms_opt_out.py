# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document
from frappe.utils import now_datetime


class HSQSMSOptOut(Document):
	def validate(self):
		from hsq_app.messaging.sms import normalize_phone

		self.phone = normalize_phone(self.phone)
		self.opted_out_at = self.opted_out_at or now_datetime()

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.utils.client import validate_proxies


class HSQSettings(Document):
	def validate(self):
		validate_proxies(self.trusted_proxies)

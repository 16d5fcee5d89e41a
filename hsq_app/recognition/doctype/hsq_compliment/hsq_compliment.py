# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.recognition import compliments


class HSQCompliment(Document):
	def before_validate(self):
		compliments.before_validate(self)

	def validate(self):
		compliments.validate(self)

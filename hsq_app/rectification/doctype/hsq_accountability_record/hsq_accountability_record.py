# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.rectification import accountability


class HSQAccountabilityRecord(Document):
	def validate(self):
		accountability.validate_record(self)

	def on_trash(self):
		accountability.on_trash_record(self)

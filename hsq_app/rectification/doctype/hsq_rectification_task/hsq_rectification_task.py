# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.rectification import tasks


class HSQRectificationTask(Document):
	def before_insert(self):
		tasks.before_insert(self)

	def validate(self):
		tasks.validate(self)

	def on_update(self):
		tasks.on_update(self)

	def on_trash(self):
		tasks.on_trash(self)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from hsq_app.inspection import visits


class HSQInspection(Document):
	def before_insert(self):
		visits.before_insert(self)

	def validate(self):
		visits.validate(self)

	def on_trash(self):
		visits.on_trash(self)

	@frappe.whitelist(methods=["POST"])
	def submit_visit(self):
		"""The inspector submits the visit: score, rectification tasks (or re-inspection follow-through)."""
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		visits.submit(self)
		return {"status": self.status, "total_score": self.total_score}

	@frappe.whitelist(methods=["POST"])
	def make_reinspection(self):
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		return visits.make_reinspection(self)

	@frappe.whitelist(methods=["POST"])
	def reply(self, text: str):
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		visits.reply(self, text)

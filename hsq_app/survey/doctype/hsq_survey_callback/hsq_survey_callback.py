# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class HSQSurveyCallback(Document):
	def on_trash(self):
		frappe.throw(_("Call back tasks are never deleted"))

	@frappe.whitelist(methods=["POST"])
	def complete(self, result: str):
		"""The quality officer called the patient back: record what was said and done."""
		from hsq_app.survey import loop

		return loop.complete_callback(self, result)

	@frappe.whitelist(methods=["POST"])
	def raise_complaint(self):
		"""Turn the answer into a complaint in one step; returns the complaint's name."""
		from hsq_app.survey import loop

		return loop.raise_complaint(self)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class HSQSurveyResponse(Document):
	def validate(self):
		if not 1 <= (self.overall_score or 0) <= 5:
			frappe.throw(_("The overall score is 1 to 5"))
		if self.kind == "Staff":
			# anonymous by construction: nothing that could point at a person or a department
			self.department = None
			self.follow_up = None
			self.wants_callback = 0
			self.contact_phone = None

	def before_insert(self):
		from hsq_app.survey import loop

		loop.flag(self)

	def after_insert(self):
		from hsq_app.survey import loop, stats

		stats.response_added(self)
		loop.response_added(self)

	def on_trash(self):
		frappe.throw(_("Survey answers are never deleted"))

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.survey import anonymity


class HSQSurveyResponse(Document):
	def validate(self):
		if not 1 <= (self.overall_score or 0) <= 5:
			frappe.throw(_("The overall score is 1 to 5"))
		if anonymity.is_anonymous(self.kind):
			# anonymous by construction: no person, no department, no time of day
			anonymity.anonymize(self)

	def before_insert(self):
		from hsq_app.survey import loop

		loop.flag(self)

	def after_insert(self):
		from hsq_app.survey import loop, stats

		stats.response_added(self)
		loop.response_added(self)

	def on_trash(self):
		frappe.throw(_("Survey answers are never deleted"))


def on_doctype_update():
	# the per-day cells' rebuild, the digests and the themes read answers by time
	frappe.db.add_index("HSQ Survey Response", ["submitted_at", "institution"])

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.follow_up.spot_check import fill_sample, tally


class HSQSpotCheck(Document):
	def before_insert(self):
		fill_sample(self)

	def validate(self):
		before = self.get_doc_before_save()
		if before and sorted(r.follow_up for r in before.items) != sorted(r.follow_up for r in self.items):
			frappe.throw(_("The sample is drawn once, when the spot check is created; it cannot be changed"))
		tally(self)

	def on_trash(self):
		frappe.throw(_("Spot checks are never deleted"))

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class HSQSLAPause(Document):
	"""One pause of a complaint's SLA clock (hsq_app.complaints.sla.pause / resume)."""

	def on_trash(self):
		frappe.throw(_("SLA pauses are kept for the record"))

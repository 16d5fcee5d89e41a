# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt

from hsq_app.complaints import sla


class HSQSLAExtension(Document):
	"""A handler's request for more time on a complaint; an Institution Leader decides
	(hsq_app.complaints.sla.approve_extension / reject_extension)."""

	def validate(self):
		sla.validate_extension(self)

	def after_insert(self):
		frappe.get_doc("HSQ Complaint", self.complaint).add_comment(
			"Info",
			_("Extension of {0} days requested ({1}): {2}").format(
				flt(self.requested_days), self.name, self.reason
			),
		)

	def on_trash(self):
		frappe.throw(_("Extension requests are kept for the record"))

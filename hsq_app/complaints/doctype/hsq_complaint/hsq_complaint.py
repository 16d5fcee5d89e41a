# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.complaints import sla


class HSQComplaint(Document):
	def before_insert(self):
		# 首诉负责: the first user who registered the complaint stays responsible for routing it
		self.registered_by = frappe.session.user
		if not self.tracking_code:
			self.tracking_code = frappe.generate_hash(length=10).upper()

	def validate(self):
		if self.department:
			dept_institution = frappe.db.get_value("HSQ Department", self.department, "institution")
			if dept_institution != self.institution:
				frappe.throw(
					_("Department {0} does not belong to institution {1}").format(
						self.department, self.institution
					)
				)
		sla.on_validate(self)

	def on_trash(self):
		frappe.throw(_("Complaints are never deleted"))

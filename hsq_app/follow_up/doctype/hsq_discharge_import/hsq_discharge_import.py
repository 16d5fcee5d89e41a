# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.permissions import is_unscoped, user_institution


class HSQDischargeImport(Document):
	def before_validate(self):
		if not self.institution and not is_unscoped(frappe.session.user):
			self.institution = user_institution()

	def on_trash(self):
		if self.status != "Not Started":
			frappe.throw(_("An import that has run is kept as the record of what was imported"))

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils.nestedset import NestedSet


class HSQInstitution(NestedSet):
	nsm_parent_field = "parent_hsq_institution"

	def validate(self):
		if self.parent_hsq_institution == self.name:
			frappe.throw(_("An institution cannot be its own parent"))
		if not self.parent_hsq_institution and self.institution_type != "Bureau":
			frappe.throw(_("Only a bureau may have no parent institution"))

	def on_update(self):
		super().on_update()
		# users of a parent institution see its children: their cached permissions must include this one
		frappe.cache.delete_value("user_permissions")

	def on_trash(self):
		frappe.throw(_("Institutions are never deleted; disable it instead"))

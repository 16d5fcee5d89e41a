# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils import cstr
from frappe.utils.nestedset import NestedSet

from hsq_app import roles as R

# what decides who sees what across the county: only bureau admins change it
STRUCTURE_FIELDS = ("parent_hsq_institution", "institution_type", "is_group", "disabled")


class StructureChangeError(frappe.PermissionError):
	pass


class HSQInstitution(NestedSet):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		contact_phone: DF.Data | None
		deputy_head: DF.Link | None
		disabled: DF.Check
		grade: DF.Literal["Tertiary", "Secondary", "Primary", "Ungraded"]
		institution_name: DF.Data
		institution_type: DF.Literal[
			"Bureau", "Hospital", "Township Health Center", "Community Health Center", "Other"
		]
		is_group: DF.Check
		lft: DF.Int
		old_parent: DF.Link | None
		parent_hsq_institution: DF.Link | None
		principal_head: DF.Link | None
		rgt: DF.Int
	# end: auto-generated types
	nsm_parent_field = "parent_hsq_institution"

	def validate(self):
		self.validate_structure_change()
		if self.parent_hsq_institution == self.name:
			frappe.throw(_("An institution cannot be its own parent"))
		if not self.parent_hsq_institution and self.institution_type != "Bureau":
			frappe.throw(_("Only a bureau may have no parent institution"))

	def validate_structure_change(self):
		"""The tree and the institution types are the bureau's: an institution admin edits their
		institution's details (names, heads) but never moves it, makes it a bureau or disables it."""
		if frappe.session.user == "Administrator" or set(frappe.get_roles()) & {
			R.BUREAU_ADMIN,
			"System Manager",
		}:
			return
		before = self.get_doc_before_save()
		changed = [f for f in STRUCTURE_FIELDS if before and cstr(before.get(f)) != cstr(self.get(f))]
		if not before or changed:
			frappe.throw(
				_("Only the bureau may create institutions or change {0}").format(
					", ".join(_(self.meta.get_label(f)) for f in changed) or _("the institution tree")
				),
				StructureChangeError,
			)

	def on_update(self):
		super().on_update()
		# users of a parent institution see its children: their cached permissions must include this one
		frappe.cache.delete_value("user_permissions")

	def on_trash(self):
		frappe.throw(_("Institutions are never deleted; disable it instead"))

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.hsq_setup.departments import check_department
from hsq_app.permissions import sync_user_permissions


class HSQStaff(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		department: DF.Link | None
		institution: DF.Link
		phone: DF.Data | None
		position: DF.Data | None
		staff_name: DF.Data
		status: DF.Literal["Active", "Inactive"]
		user: DF.Link | None

	# end: auto-generated types
	def validate(self):
		check_department(self.department, self.institution)
		if self.user and self.status == "Active":
			other = frappe.db.get_value(
				"HSQ Staff", {"user": self.user, "status": "Active", "name": ("!=", self.name)}, "name"
			)
			if other:
				frappe.throw(_("User {0} already has an active staff record {1}").format(self.user, other))

	def on_update(self):
		"""Keep the user's permission records (and login) in step with this post."""
		before = self.get_doc_before_save()
		previous_user = before.user if before else None
		if previous_user and previous_user != self.user:
			sync_user_permissions(previous_user)
		if self.user:
			enabled = 1 if self.status == "Active" else 0
			if frappe.db.get_value("User", self.user, "enabled") != enabled and self.user != "Administrator":
				# a staff member who left cannot log in; one who returns can again
				frappe.db.set_value("User", self.user, "enabled", enabled)
			sync_user_permissions(self.user)

	def on_trash(self):
		frappe.throw(_("Staff records are never deleted; set the status to Inactive instead"))

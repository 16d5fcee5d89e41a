# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class HSQDepartment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		department_head: DF.Link | None
		department_name: DF.Data
		disabled: DF.Check
		institution: DF.Link

	# end: auto-generated types
	def autoname(self):
		self.name = f"{self.department_name.strip()}-{self.institution}"

	def validate(self):
		self.department_name = self.department_name.strip()

	def on_trash(self):
		frappe.throw(_("Departments are never deleted; disable it instead"))

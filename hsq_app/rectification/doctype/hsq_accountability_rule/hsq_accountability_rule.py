# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint


def rule_name(subject_type: str, category: str | None, threshold: int) -> str:
	"""One rule per subject type, category and threshold: "Staff-Any-3", "Institution-Service Attitude-1"."""
	return f"{subject_type}-{category or 'Any'}-{cint(threshold)}"


class HSQAccountabilityRule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.SmallText
		category: DF.Link | None
		enabled: DF.Check
		subject_type: DF.Literal["Staff", "Institution"]
		threshold: DF.Int

	# end: auto-generated types
	def autoname(self):
		self.name = rule_name(self.subject_type, self.category, self.threshold)

	def validate(self):
		if cint(self.threshold) < 1:
			frappe.throw(_("The threshold must be at least 1"))

	def on_trash(self):
		frappe.throw(_("Accountability rules are never deleted; disable the rule instead"))

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.complaints.routing import ROUTING_RULES
from hsq_app.utils import cached


class HSQRoutingRule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		category: DF.Link
		department: DF.Link
		handler: DF.Link | None
		institution: DF.Link

	# end: auto-generated types
	def on_change(self):
		cached.forget(ROUTING_RULES)

	def on_trash(self):
		cached.forget(ROUTING_RULES)

	def after_rename(self, old, new, merge=False):
		cached.forget(ROUTING_RULES)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from hsq_app.inspection import visits


class HSQInspection(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.inspection.doctype.hsq_inspection_item.hsq_inspection_item import HSQInspectionItem

		failed_count: DF.Int
		inspector: DF.Link | None
		institution: DF.Link
		institution_reply: DF.SmallText | None
		items: DF.Table[HSQInspectionItem]
		naming_series: DF.Literal["DC-.YYYY.-"]
		reinspection_of: DF.Link | None
		replied_at: DF.Datetime | None
		replied_by: DF.Link | None
		status: DF.Literal["Draft", "Submitted", "Closed"]
		submitted_at: DF.Datetime | None
		summary: DF.SmallText | None
		team: DF.SmallText | None
		template: DF.Link
		total_score: DF.Float
		visit_date: DF.Date

	# end: auto-generated types
	def before_insert(self):
		visits.before_insert(self)

	def validate(self):
		visits.validate(self)

	def on_trash(self):
		visits.on_trash(self)

	@frappe.whitelist(methods=["POST"])
	def submit_visit(self):
		"""The inspector submits the visit: score, rectification tasks (or re-inspection follow-through)."""
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		visits.submit(self)
		return {"status": self.status, "total_score": self.total_score}

	@frappe.whitelist(methods=["POST"])
	def make_reinspection(self):
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		return visits.make_reinspection(self)

	@frappe.whitelist(methods=["POST"])
	def reply(self, text: str):
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		visits.reply(self, text)

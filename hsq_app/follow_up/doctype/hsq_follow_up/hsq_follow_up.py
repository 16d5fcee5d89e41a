# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, now_datetime, today

from hsq_app.follow_up import store
from hsq_app.follow_up.questionnaire import active_templates
from hsq_app.follow_up.scheduling import OPEN_STATUSES


class HSQFollowUp(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.follow_up.doctype.hsq_follow_up_score.hsq_follow_up_score import HSQFollowUpScore

		assigned_to: DF.Link | None
		attempts: DF.Int
		channel: DF.Literal["Phone", "SMS", "WeChat", "On-site", "Email"]
		complaint: DF.Link | None
		completed_at: DF.Datetime | None
		department: DF.Link | None
		discharge_date: DF.Date | None
		discharge_record: DF.Link
		due_date: DF.Date
		institution: DF.Link | None
		is_special: DF.Check
		issue_found: DF.SmallText | None
		notes: DF.SmallText | None
		overall_satisfaction: DF.Int
		patient_name: DF.Data | None
		patient_phone: DF.Data | None
		questionnaire_template: DF.Link | None
		scores: DF.Table[HSQFollowUpScore]
		stage_days: DF.Int
		status: DF.Literal["Pending", "Completed", "Unreachable", "Refused", "Overdue"]

	# end: auto-generated types
	def before_validate(self):
		if not self.questionnaire_template and self.institution:
			self.questionnaire_template = active_templates([self.institution]).get(self.institution)
		self.prefill_scores()

	def prefill_scores(self):
		"""One row per dimension of the questionnaire, added to whatever rows are there already."""
		if not self.questionnaire_template:
			return
		have = {row.dimension for row in self.scores}
		for dimension in questionnaire_dimensions(self.questionnaire_template):
			if dimension not in have:
				self.append("scores", {"dimension": dimension, "score": 0})

	def validate(self):
		for row in self.scores:
			if not 0 <= (row.score or 0) <= 5:
				frappe.throw(_("Row {0}: a score is 1 to 5 (0 if not answered)").format(row.idx))
		if not 0 <= (self.overall_satisfaction or 0) <= 5:
			frappe.throw(_("Overall satisfaction is 1 to 5"))
		if self.status == "Completed":
			if not self.overall_satisfaction:
				frappe.throw(
					_("Record the patient's overall satisfaction (1 to 5) to complete the follow-up")
				)
			self.completed_at = self.completed_at or now_datetime()
		else:
			self.completed_at = None
		if self.status in OPEN_STATUSES:
			self.status = "Overdue" if getdate(self.due_date) < getdate(today()) else "Pending"
		elif not self.attempts:
			self.attempts = 1  # an outcome means at least one call was made

	def on_update(self):
		# the per-day figures this follow-up was and is counted in (insert and every save)
		store.saved(self, self.get_doc_before_save())

	def on_trash(self):
		frappe.throw(_("Follow-ups are never deleted"))


def questionnaire_dimensions(template: str) -> list[str]:
	return frappe.get_all(
		"HSQ Questionnaire Dimension",
		filters={"parent": template, "parenttype": "HSQ Questionnaire Template"},
		order_by="idx",
		pluck="dimension",
	)


def on_doctype_update():
	# the worklist and the monthly figures filter on these together
	frappe.db.add_index("HSQ Follow Up", ["institution", "due_date"])
	frappe.db.add_index("HSQ Follow Up", ["institution", "status", "completed_at"])

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.follow_up.monthly_report import REVIEWERS, due_date_for, month_start
from hsq_app.permissions import is_unscoped

INSTITUTION_EDITABLE = ("remarks",)
BUREAU_EDITABLE = ("review_comment",)


class HSQFollowUpMonthlyReport(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.follow_up.doctype.hsq_follow_up_report_dimension.hsq_follow_up_report_dimension import (
			HSQFollowUpReportDimension,
		)

		avg_satisfaction: DF.Float
		calculated_at: DF.Datetime | None
		complaints_raised: DF.Int
		completed: DF.Int
		coverage_percent: DF.Percent
		dimension_scores: DF.Table[HSQFollowUpReportDimension]
		discharged: DF.Int
		due_date: DF.Date | None
		institution: DF.Link
		is_late: DF.Check
		issues_found: DF.Int
		late_notified: DF.Check
		month: DF.Date
		not_done: DF.Int
		planned: DF.Int
		refused: DF.Int
		remarks: DF.Text | None
		review_comment: DF.SmallText | None
		reviewed_at: DF.Datetime | None
		reviewed_by: DF.Link | None
		status: DF.Literal["Draft", "Submitted", "Reviewed"]
		submitted_at: DF.Datetime | None
		submitted_by: DF.Link | None
		unreachable: DF.Int

	# end: auto-generated types
	def autoname(self):
		self.name = f"FUR-{month_start(self.month):%Y-%m}-{self.institution}"

	def before_validate(self):
		self.month = month_start(self.month)
		self.due_date = due_date_for(self.month)

	def validate(self):
		if self.is_new():
			if frappe.db.exists(
				"HSQ Follow Up Monthly Report", {"institution": self.institution, "month": self.month}
			):
				frappe.throw(
					_("{0} already has a follow-up report for {1}").format(
						self.institution, f"{self.month:%Y-%m}"
					),
					frappe.DuplicateEntryError,
				)
			return
		before = self.get_doc_before_save()
		if before.status != self.status and not self.flags.hsq_transition:
			frappe.throw(_("Use the Submit and Mark Reviewed buttons to change a report's status"))
		if self.has_value_changed("review_comment") and not set(frappe.get_roles()) & set(REVIEWERS):
			frappe.throw(_("Only the bureau comments on a report's review"))
		if (
			before.status != "Draft"
			and self.has_value_changed("remarks")
			and not is_unscoped(frappe.session.user)
		):
			frappe.throw(_("A submitted report can no longer be changed by the institution"))

	def on_trash(self):
		frappe.throw(_("Follow-up reports are never deleted"))

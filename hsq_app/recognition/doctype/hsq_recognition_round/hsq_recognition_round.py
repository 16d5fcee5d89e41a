# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from hsq_app.recognition import ranking


class HSQRecognitionRound(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.recognition.doctype.hsq_recognition_department_result.hsq_recognition_department_result import (
			HSQRecognitionDepartmentResult,
		)
		from hsq_app.recognition.doctype.hsq_recognition_staff_result.hsq_recognition_staff_result import (
			HSQRecognitionStaffResult,
		)

		accountability_weight: DF.Float
		approved_at: DF.Datetime | None
		approved_by: DF.Link | None
		compliment_weight: DF.Float
		confirmed_by: DF.Link | None
		department_results: DF.Table[HSQRecognitionDepartmentResult]
		institution: DF.Link
		model_departments: DF.Int
		naming_series: DF.Literal["PX-.YYYY.-"]
		period_end: DF.Date
		period_start: DF.Date
		satisfaction_weight: DF.Float
		staff_results: DF.Table[HSQRecognitionStaffResult]
		star_share: DF.Percent
		status: DF.Literal["Nominated", "Confirmed by Institution", "Approved"]
		upheld_complaint_weight: DF.Float

	# end: auto-generated types
	def before_insert(self):
		ranking.before_insert(self)

	def validate(self):
		ranking.validate(self)

	@frappe.whitelist(methods=["POST"])
	def confirm(self):
		"""The institution's leader or administrator confirms the proposals."""
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		ranking.confirm(self)

	@frappe.whitelist(methods=["POST"])
	def approve(self):
		"""A bureau admin approves: service stars and model departments are published."""
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		ranking.approve(self)


@frappe.whitelist(methods=["POST"])
def create_rounds(period_start=None):
	"""One ranking per institution for the quarter of ``period_start`` (default: the last quarter)."""
	return ranking.create_rounds(period_start)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.permissions import is_unscoped, user_institution


class HSQQuestionnaireTemplate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.follow_up.doctype.hsq_questionnaire_dimension.hsq_questionnaire_dimension import (
			HSQQuestionnaireDimension,
		)

		description: DF.SmallText | None
		dimensions: DF.Table[HSQQuestionnaireDimension]
		institution: DF.Link | None
		is_active: DF.Check
		template_name: DF.Data

	# end: auto-generated types
	def validate(self):
		if not self.institution and not is_unscoped(frappe.session.user):
			# institutions keep their own questionnaires; county-wide ones are the bureau's
			self.institution = user_institution()
		seen = set()
		for row in self.dimensions:
			row.dimension = (row.dimension or "").strip()
			if row.dimension in seen:
				frappe.throw(_("Dimension {0} appears twice").format(row.dimension))
			seen.add(row.dimension)

	def on_trash(self):
		if frappe.db.exists("HSQ Follow Up", {"questionnaire_template": self.name}):
			frappe.throw(_("Questionnaire {0} has been used; deactivate it instead").format(self.name))

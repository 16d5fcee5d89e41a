# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.inspection.checklist import validate_template


class HSQInspectionTemplate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.inspection.doctype.hsq_inspection_template_item.hsq_inspection_template_item import (
			HSQInspectionTemplateItem,
		)

		description: DF.SmallText | None
		is_active: DF.Check
		items: DF.Table[HSQInspectionTemplateItem]
		rectification_days: DF.Int
		template_name: DF.Data

	# end: auto-generated types
	def validate(self):
		validate_template(self)

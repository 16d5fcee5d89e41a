# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.inspection.checklist import validate_template


class HSQInspectionTemplate(Document):
	def validate(self):
		validate_template(self)

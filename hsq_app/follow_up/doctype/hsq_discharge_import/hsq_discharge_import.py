# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.permissions import is_unscoped, user_institution


class HSQDischargeImport(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.follow_up.doctype.hsq_discharge_import_row.hsq_discharge_import_row import (
			HSQDischargeImportRow,
		)

		created: DF.Int
		error_message: DF.SmallText | None
		follow_ups: DF.Int
		import_file: DF.Attach
		imported_at: DF.Datetime | None
		institution: DF.Link | None
		invalid_rows: DF.Int
		rows: DF.Table[HSQDischargeImportRow]
		skipped_duplicates: DF.Int
		status: DF.Literal["Not Started", "Queued", "Completed", "Partially Completed", "Failed"]
		total_rows: DF.Int

	# end: auto-generated types
	def before_validate(self):
		if not self.institution and not is_unscoped(frappe.session.user):
			self.institution = user_institution()

	def on_trash(self):
		if self.status != "Not Started":
			frappe.throw(_("An import that has run is kept as the record of what was imported"))

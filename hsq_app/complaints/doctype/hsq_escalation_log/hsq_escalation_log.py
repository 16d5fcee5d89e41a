# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

UNIQUE_INDEX = "unique_complaint_level"


class HSQEscalationLog(Document):
	"""One row per complaint and escalation level, written by hsq_app.complaints.sla.sweep."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		complaint: DF.Link
		escalated_at: DF.Datetime
		institution: DF.Link | None
		level: DF.Int
		notified: DF.SmallText | None
		notify: DF.Literal["", "Department Head", "Deputy Head", "Principal Head", "Bureau"]
	# end: auto-generated types

	def on_trash(self):
		frappe.throw(_("Escalation logs are kept for the record"))


def on_doctype_update():
	# a complaint is escalated to each level once, whatever runs the sweep and however often.
	# (frappe.db.add_unique looks the constraint up without the schema, so on a server with several
	# sites it may find another site's; has_index asks this database.)
	if not frappe.db.has_index("tabHSQ Escalation Log", UNIQUE_INDEX):
		frappe.db.sql_ddl(
			f"ALTER TABLE `tabHSQ Escalation Log` ADD UNIQUE INDEX `{UNIQUE_INDEX}` (complaint, level)"
		)

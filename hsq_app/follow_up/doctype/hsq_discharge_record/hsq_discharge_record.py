# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.follow_up import stats, store
from hsq_app.follow_up.imports.rows import ERROR_SEPARATOR, FIELDS, ImportContext, clean_record, record_key
from hsq_app.follow_up.imports.storage import existing_discharges
from hsq_app.follow_up.scheduling import schedule_for_record

# what follow-ups copy from their discharge record (kept in step while they are open)
COPIED_TO_FOLLOW_UPS = ("patient_name", "patient_phone", "department", "is_special")
# what the per-day discharge counts (hsq_app.follow_up.stats) are keyed by
COUNTED = ("institution", "department", "discharge_date")


class HSQDischargeRecord(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		admission_date: DF.Date | None
		attending_staff: DF.Link | None
		department: DF.Link
		diagnosis: DF.SmallText | None
		discharge_date: DF.Date
		institution: DF.Link
		is_special: DF.Check
		medical_record_no: DF.Data
		patient_name: DF.Data
		patient_phone: DF.Data
		source_import: DF.Link | None

	# end: auto-generated types
	def validate(self):
		"""The same row validation as the imports; the user's reach is checked by Frappe itself."""
		values, errors = clean_record(
			{f: self.get(f) for f in FIELDS}, ImportContext([self.institution]), allowed_institutions=None
		)
		if errors:
			frappe.throw(ERROR_SEPARATOR.join(errors), title=_("Invalid discharge record"))
		self.update({f: values[f] for f in FIELDS})
		existing = existing_discharges([record_key(values)]).get(record_key(values))
		if existing and existing != self.name:
			frappe.throw(
				_(
					"Discharge record {0} already has this institution, medical record number and discharge date"
				).format(existing),
				frappe.DuplicateEntryError,
			)

	def after_insert(self):
		schedule_for_record(self)

	def on_update(self):
		before = self.get_doc_before_save()
		if not before or any(str(before.get(f) or "") != str(self.get(f) or "") for f in COUNTED):
			stats.discharge_changed(self, before)  # in this transaction: the reports count it at once
		changed = {f: self.get(f) for f in COPIED_TO_FOLLOW_UPS if before and before.get(f) != self.get(f)}
		if changed:
			fu = frappe.qb.DocType("HSQ Follow Up")
			open_ones = (fu.discharge_record == self.name) & fu.status.isin(store.OPEN_STATUSES)
			store.update_where(open_ones, changed)  # the follow-up door keeps the per-day cells in step

	def on_trash(self):
		frappe.throw(_("Discharge records are never deleted"))


def on_doctype_update():
	# the coverage and monthly reports count discharges per institution over a range of days
	frappe.db.add_index("HSQ Discharge Record", ["discharge_date", "institution"])
	# one discharge per institution, medical record number and day: imports rely on it as their last guard
	frappe.db.add_unique(
		"HSQ Discharge Record",
		["institution", "medical_record_no", "discharge_date"],
		constraint_name="unique_discharge",
	)

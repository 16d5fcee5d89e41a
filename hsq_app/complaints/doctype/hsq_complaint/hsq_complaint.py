# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, getdate, nowdate

from hsq_app.complaints import field_policy, routing, sla, titles, worklist
from hsq_app.complaints import workflow as wf
from hsq_app.hsq_setup.departments import check_department
from hsq_app.utils.lookups import prime_link_checks
from hsq_app.utils.naming import name_without_waiting
from hsq_app.utils.text import plain_text

# free-text fields: HTML stripped, length capped (every door: desk, API, public form)
TEXT_LIMITS = {
	"description": 5000,
	"demands": 2000,
	"resolution": 5000,
	"reply_to_complainant": 5000,
	"non_acceptance_reason": 1000,
	"return_reason": 1000,
	"complainant_name": 60,
	"patient_name": 60,
	"complainant_phone": 30,
	"external_ref": 100,
	"severity_change_reason": 1000,
}
IDENTITY_FIELDS = ("complainant_name", "complainant_phone", "relation_to_patient", "patient_name")


class FinalStateError(frappe.ValidationError):
	pass


class SelfApprovalError(frappe.PermissionError):
	pass


class HSQComplaint(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.complaints.doctype.hsq_complaint_staff.hsq_complaint_staff import HSQComplaintStaff
		from hsq_app.complaints.doctype.hsq_complaint_transfer.hsq_complaint_transfer import (
			HSQComplaintTransfer,
		)

		acknowledge_by: DF.Datetime | None
		acknowledged_at: DF.Datetime | None
		category: DF.Link
		channel: DF.Literal[
			"On-site",
			"Hotline",
			"12345 Hotline",
			"Letters and Visits",
			"Website",
			"WeChat",
			"Mailbox",
			"Satisfaction Survey",
			"Follow Up",
			"Bureau Referral",
			"Email",
		]
		closed_at: DF.Datetime | None
		complainant_feedback: DF.Literal["", "Satisfied", "Basically Satisfied", "Dissatisfied"]
		complainant_name: DF.Data | None
		complainant_phone: DF.Data | None
		deadline_is_provisional: DF.Check
		demands: DF.SmallText | None
		department: DF.Link | None
		description: DF.Text
		escalation_level: DF.Int
		extension_days: DF.Float
		external_ref: DF.Data | None
		finding: DF.Literal["", "Upheld", "Partially Upheld", "Not Upheld"]
		first_contact_at: DF.Datetime | None
		first_contact_by: DF.Datetime | None
		handler: DF.Link | None
		highest_severity: DF.Literal["", "Low", "Medium", "High", "Urgent"]
		institution: DF.Link
		intake_key: DF.Data | None
		is_anonymous: DF.Check
		is_complex: DF.Check
		naming_series: DF.Literal["TS-.YYYY.-"]
		non_acceptance_reason: DF.SmallText | None
		patient_name: DF.Data | None
		paused_hours: DF.Float
		paused_since: DF.Datetime | None
		received_at: DF.Datetime
		registered_by: DF.Link | None
		relation_to_patient: DF.Literal["", "Self", "Family", "Other"]
		reopen_count: DF.Int
		reply_to_complainant: DF.Text | None
		resolution: DF.Text | None
		resolve_by: DF.Datetime | None
		resolved_at: DF.Datetime | None
		return_reason: DF.SmallText | None
		severity: DF.Literal["Low", "Medium", "High", "Urgent"]
		severity_change_reason: DF.SmallText | None
		sla_policy: DF.Link | None
		sla_status: DF.Literal["", "On Track", "Warning", "Breached", "Met", "Paused"]
		staff_involved: DF.TableMultiSelect[HSQComplaintStaff]
		submitted_by: DF.Link | None
		tracking_code: DF.Data | None
		transfers: DF.Table[HSQComplaintTransfer]
		visit_date: DF.Date | None
		warn_by: DF.Datetime | None
		workflow_state: DF.Link | None

	# end: auto-generated types
	def _set_defaults(self):
		"""Frappe's, without a new-row template for a table that has no new row.

		Frappe builds the template (a DocType query and a walk of the user's defaults) for every
		table field on every insert and save, rows or not; a complaint usually comes with neither
		staff nor transfers. The rows it has get the same defaults as before."""
		if frappe.flags.in_import:
			return
		if self.is_new():
			self.update_if_missing(frappe.new_doc(self.doctype, as_dict=True))
		for df in self.meta.get_table_fields():
			rows = [d for d in self.get(df.fieldname) or () if d.is_new()]
			if rows:
				template = frappe.new_doc(df.options, parent_doc=self, parentfield=df.fieldname, as_dict=True)
				for row in rows:
					row.update_if_missing(template)

	def _validate_links(self):
		"""Frappe's link check, its reads done in one query (hsq_app.utils.lookups)."""
		if not (self.flags.ignore_links or self._action == "cancel"):
			prime_link_checks(self)
		super()._validate_links()

	def autoname(self):
		"""The machine doors (intake API, public page) number a complaint without waiting for the
		other registrations' commits (hsq_app.utils.naming); the desk keeps Frappe's numbering."""
		if self.flags.hsq_register_later:
			self.name = name_without_waiting(self)

	def before_insert(self):
		field_policy.on_insert(self)
		# 首诉负责: the first user who registered the complaint stays responsible for routing it
		self.registered_by = frappe.session.user
		if not self.tracking_code:
			self.tracking_code = frappe.generate_hash(length=10).upper()
		routing.apply_routing_rule(self)

	def before_validate(self):
		for field, limit in TEXT_LIMITS.items():
			value = self.get(field)
			if isinstance(value, str):
				value = plain_text(value)
				if len(value) > limit:
					frappe.throw(
						_("{0} is too long: at most {1} characters").format(
							_(self.meta.get_label(field)), limit
						),
						frappe.CharacterLengthExceededError,
					)
				self.set(field, value)
		if cint(self.is_anonymous):
			for field in IDENTITY_FIELDS:
				self.set(field, None)
		self.intake_key = f"{self.channel}:{self.external_ref}" if self.external_ref else None
		titles.set_summary(self)
		before = self.get_doc_before_save()
		# approval follows the highest severity the complaint has had (never lowered by a save)
		self.highest_severity = field_policy.highest_severity(
			self.severity, before and before.highest_severity
		)

	def validate(self):
		before = self.get_doc_before_save()
		if before and before.workflow_state in wf.FINAL_STATES:
			frappe.throw(
				_("Complaint {0} is {1} and can no longer be changed").format(
					self.name, _(before.workflow_state)
				),
				FinalStateError,
			)
		field_policy.check(self, before)
		self.validate_department()
		self.validate_visit_date()
		self.validate_phone()
		from_state = before.workflow_state if before else None
		if from_state and self.workflow_state != from_state:
			self.validate_transition(from_state, self.workflow_state)
		self.validate_handler()
		sla.on_validate(self)
		if from_state != self.workflow_state:
			sla.on_transition(self, from_state, self.workflow_state)

	def validate_department(self):
		check_department(self.department, self.institution)

	def validate_visit_date(self):
		if self.visit_date and getdate(self.visit_date) > getdate(self.received_at or nowdate()):
			frappe.throw(_("The visit date cannot be later than the day the complaint is received"))

	def validate_handler(self):
		before = self.get_doc_before_save()
		if self.handler and (
			not before or before.handler != self.handler or before.department != self.department
		):
			routing.validate_handler(self)

	def validate_phone(self):
		"""A Chinese mobile (11 digits) or landline number with its area code (issue 13)."""
		from hsq_app.follow_up.imports.rows import normalize_phone

		phone = self.complainant_phone
		if phone and not normalize_phone(phone):
			frappe.throw(
				_("Complainant phone {0} is not a Chinese mobile or landline number").format(phone),
				frappe.ValidationError,
			)

	def validate_transition(self, from_state: str, to_state: str):
		"""What each action of the contract's table needs, beyond the role Frappe's workflow checks."""
		action = wf.ACTION_BY_MOVE.get((from_state, to_state))
		user = frappe.session.user
		missing = [f for f in wf.REQUIRED.get(action, ()) if not self.get(f)]
		if missing:
			frappe.throw(
				_("{0} needs: {1}").format(_(action), ", ".join(_(self.meta.get_label(f)) for f in missing)),
				frappe.MandatoryError,
			)
		if action == "Accept" and not self.handler and "HSQ Handler" in frappe.get_roles(user):
			self.handler = user
		elif action == "Start" and not self.handler:
			self.handler = user
		elif action == "Submit for Approval":
			self.submitted_by = user
		elif action == "Approve" and user == self.submitted_by:
			frappe.throw(_("Nobody approves their own resolution"), SelfApprovalError)
		elif action == "Reopen":
			if self.complainant_feedback != "Dissatisfied":
				frappe.throw(_("Reopen only when the complainant is dissatisfied"))
			self.reopen_count = cint(self.reopen_count) + 1
			previous = self.get_doc_before_save()
			self.add_comment(
				"Info",
				_(
					"Reopened (round {0}). Previous finding: {1}; resolution: {2}; complainant feedback: {3}"
				).format(
					self.reopen_count,
					_(previous.finding or ""),
					previous.resolution or "",
					_(previous.complainant_feedback or ""),
				),
			)
			self.complainant_feedback = None
			self.submitted_by = None

	def on_update(self):
		field_policy.record_severity_change(self)
		before = self.get_doc_before_save()
		if not before and self.flags.hsq_register_later:
			worklist.defer(self)  # intake API, public page: ToDo and SMS a moment after the commit
		elif not before or before.workflow_state != self.workflow_state or before.handler != self.handler:
			routing.reassign(self)

	def onload(self):
		"""Every view of a complaint with personal data is logged (Access Log)."""
		from hsq_app.complaints.access import log_personal_data_view

		log_personal_data_view(self)
		# the form's action dialog asks for what workflow.ACTION_FIELDS says (one owner)
		self.set_onload("hsq_action_fields", wf.ACTION_FIELDS)
		self.set_onload("hsq_choose_fields", wf.CHOOSE)

	def on_trash(self):
		frappe.throw(_("Complaints are never deleted"))


# the covering indexes of the workspace charts (on_doctype_update): by receipt, then what the
# charts group and filter by, and the permission columns. Each chart's group-by column sits in a
# narrow index the optimizer reads as a range (benchmarks/README.md, eleventh session): in the wide
# analytics index alone, at 4M complaints it chose a full scan of the channel index with a row
# lookup each (7.4 s) or a full scan of the wide index (5.9 s) over a range scan (about 1 s).
# Five text columns at most per index (560 bytes each in utf8mb4): InnoDB keys stop at 3,072 bytes.
ANALYTICS_INDEXES = {
	"hsq_received_analytics_index": [
		"received_at",
		"institution",
		"workflow_state",
		"resolved_at",
		"resolve_by",
		"extension_days",
		"finding",
		"department",
		"channel",
		"docstatus",
	],
	"hsq_received_category_index": [
		"received_at",
		"docstatus",
		"category",
		"channel",
		"workflow_state",
		"institution",
		"department",
	],
	"hsq_received_finding_index": [
		"received_at",
		"docstatus",
		"workflow_state",
		"finding",
		"institution",
		"department",
	],
}


def ensure_analytics_indexes() -> None:
	"""Each of ANALYTICS_INDEXES on exactly its columns (rebuilt where a site holds older ones)."""
	from hsq_app.utils.indexes import ensure_index

	for name, columns in ANALYTICS_INDEXES.items():
		ensure_index("HSQ Complaint", columns, name)


def on_doctype_update():
	frappe.db.add_index("HSQ Complaint", ["workflow_state", "resolve_by"])
	frappe.db.add_index("HSQ Complaint", ["institution", "department", "category", "received_at"])
	# the repeat check's text candidates: an institution's complaints by receipt, read in order
	frappe.db.add_index("HSQ Complaint", ["institution", "received_at"], "hsq_institution_received_index")
	# analytics (benchmarks/README.md): a year's complaints by receipt, read from these covering
	# indexes alone by the workspace charts (group by institution, department, channel, finding,
	# category; Frappe adds docstatus < 2). The reports read kept cells now, so neither holds
	# sla_status nor escalation_level any more: the SLA sweep changes those on thousands of
	# complaints a run, and each change moved an entry in both (issue 14, part 6)
	ensure_analytics_indexes()
	frappe.db.add_index(
		"HSQ Complaint", ["resolved_at", "institution", "resolve_by"], "hsq_resolved_analytics_index"
	)

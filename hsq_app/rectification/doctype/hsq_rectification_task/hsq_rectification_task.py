# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import add_days, cint, cstr, getdate

from hsq_app import roles as R
from hsq_app.hsq_setup.departments import check_department
from hsq_app.permissions import is_unscoped, user_department
from hsq_app.rectification.effect import record_effect
from hsq_app.rectification.tasks import (
	CLOSED,
	DEFAULT_DEADLINE_DAYS,
	DEPARTMENT_LEVEL_ROLES,
	IN_PROGRESS,
	OPEN,
	PDCA_BY_STATE,
	PENDING,
	SYSTEM_FIELDS,
	VERIFIER_FIELDS,
	WORKING_ROLES,
	ClosedTaskError,
	EvidenceMissingError,
	MeasuresNotDoneError,
	RectificationError,
	ReturnReasonMissingError,
	VerifierError,
	count_evidence,
	notify,
	now,
)
from hsq_app.utils.diff import changed_fields


class HSQRectificationTask(Document):
	"""A rectification task (整改台账) and its lifecycle: what each workflow move needs and records,
	who may change what (see hsq_app.rectification.tasks for the vocabulary)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.rectification.doctype.hsq_rectification_complaint.hsq_rectification_complaint import (
			HSQRectificationComplaint,
		)
		from hsq_app.rectification.doctype.hsq_rectification_measure.hsq_rectification_measure import (
			HSQRectificationMeasure,
		)

		category: DF.Link | None
		complaints: DF.Table[HSQRectificationComplaint]
		complaints_after: DF.Int
		complaints_before: DF.Int
		deadline: DF.Date
		effect_evaluation: DF.Text | None
		effect_result: DF.Literal["", "Improved", "No Change", "Worse", "Insufficient Data"]
		effect_summary: DF.SmallText | None
		evaluation_days: DF.Int
		evidence: DF.Attach | None
		evidence_count: DF.Int
		institution: DF.Link
		is_overdue: DF.Check
		measures: DF.Table[HSQRectificationMeasure]
		naming_series: DF.Literal["ZG-.YYYY.-"]
		overdue_notified_on: DF.Date | None
		pdca_stage: DF.Literal["Plan", "Do", "Check", "Act"]
		problem: DF.Text
		raised_by_institution: DF.Check
		responsible_department: DF.Link | None
		responsible_leader: DF.Link | None
		return_reason: DF.SmallText | None
		root_cause: DF.Text | None
		satisfaction_after: DF.Float
		satisfaction_before: DF.Float
		source_name: DF.Data | None
		source_type: DF.Literal[
			"Complaint", "Concentrated Problem", "Spot Check", "Survey", "Inspection", "Other"
		]
		submitted_at: DF.Datetime | None
		submitted_by: DF.Link | None
		verified_at: DF.Datetime | None
		verified_by: DF.Link | None
		workflow_state: DF.Link | None

	# end: auto-generated types
	def before_insert(self):
		# a task an institution's own user raises is the institution's to verify; the bureau (and the
		# scheduler, which proposes concentrated problems) may say either way, default: the bureau's
		if not is_unscoped(frappe.session.user):
			self.raised_by_institution = 1
		self.raised_by_institution = cint(self.raised_by_institution)
		self.fill_from_source()
		if not self.deadline:
			self.deadline = add_days(getdate(now()), DEFAULT_DEADLINE_DAYS)

	def validate(self):
		"""The named checks, in order (each a method below)."""
		before = None if self.is_new() else self.get_doc_before_save()
		old_state = (before.workflow_state or OPEN) if before else None
		new_state = self.workflow_state or OPEN
		if before:
			self.check_not_closed(before)
			self.check_origin_unchanged(before)
			self.check_edit_rights(before)
		self.check_links()
		self.sync_complaint_rows()
		self.stamp_measures()
		self.evidence_count = count_evidence(self.name) if not self.is_new() else 0
		if before and old_state != new_state:
			self.on_transition(old_state, new_state)
		elif not before and not self.pdca_stage:
			self.pdca_stage = PDCA_BY_STATE[new_state]
		if new_state != CLOSED:
			self.is_overdue = 1 if self.deadline and getdate(self.deadline) < getdate(now()) else 0

	def check_not_closed(self, before):
		if (before.workflow_state or OPEN) == CLOSED:
			frappe.throw(_("A closed rectification task cannot be changed"), ClosedTaskError)

	def check_origin_unchanged(self, before):
		if cint(before.raised_by_institution) != cint(self.raised_by_institution):
			frappe.throw(_("Who raised a rectification task cannot be changed"), RectificationError)

	def on_update(self):
		before = self.get_doc_before_save()
		if before and before.workflow_state == PENDING and self.workflow_state == IN_PROGRESS:
			self.add_comment("Comment", _("Returned: {0}").format(self.return_reason))
			notify(
				self.responsible_leader,
				self.name,
				_("Rectification task {0} was returned: {1}").format(self.name, self.return_reason),
			)
		elif before and before.workflow_state != CLOSED and self.workflow_state == CLOSED:
			notify(
				self.responsible_leader,
				self.name,
				_("Rectification task {0} was verified and closed").format(self.name),
			)

	def on_trash(self):
		frappe.throw(_("Rectification tasks are never deleted"), RectificationError)

	def on_transition(self, old_state: str, new_state: str):
		self.pdca_stage = PDCA_BY_STATE.get(new_state, self.pdca_stage)
		if old_state == OPEN and new_state == IN_PROGRESS:
			self.check_plan()
		elif old_state == IN_PROGRESS and new_state == PENDING:
			self.check_ready_for_verification()
			self.submitted_by, self.submitted_at = frappe.session.user, now()
			self.return_reason = None
		elif old_state == PENDING and new_state == IN_PROGRESS:
			if not cstr(self.return_reason).strip():
				frappe.throw(
					_("Please give the reason for returning this rectification task"),
					ReturnReasonMissingError,
				)
		elif old_state == PENDING and new_state == CLOSED:
			self.check_verifier(frappe.session.user)
			closed_at = now()
			self.verified_by, self.verified_at = frappe.session.user, closed_at
			self.return_reason = None
			self.is_overdue = 1 if self.deadline and closed_at.date() > getdate(self.deadline) else 0
			record_effect(self, closed_at)

	def check_plan(self):
		missing = []
		if not self.responsible_leader:
			missing.append(_("Responsible Leader"))
		if not cstr(self.root_cause).strip():
			missing.append(_("Root Cause"))
		if not self.measures:
			missing.append(_("Measures"))
		if missing:
			frappe.throw(
				_("Before starting the rectification, fill in: {0}").format("、".join(missing)),
				RectificationError,
			)

	def check_ready_for_verification(self):
		if not self.measures:
			frappe.throw(_("Add at least one rectification measure before submitting"), MeasuresNotDoneError)
		undone = [str(m.idx) for m in self.measures if not cint(m.done)]
		if undone:
			frappe.throw(
				_("Every measure must be done before submitting for verification (not done: row {0})").format(
					", ".join(undone)
				),
				MeasuresNotDoneError,
			)
		if not count_evidence(self.name):
			frappe.throw(
				_("Attach at least one evidence file (as a private file) before submitting for verification"),
				EvidenceMissingError,
			)

	def check_verifier(self, user: str):
		if user == "Administrator":
			return
		if user == self.responsible_leader:
			frappe.throw(_("The responsible leader cannot verify their own rectification"), VerifierError)
		if user == self.submitted_by:
			frappe.throw(_("Whoever submitted a rectification cannot also verify it"), VerifierError)

	def check_edit_rights(self, before):
		"""Who may change what on an existing, not yet closed task (the DocType grants write broadly)."""
		changed = changed_fields(self, before) - SYSTEM_FIELDS
		if not changed:
			return
		labels = lambda fields: "、".join(_(self.meta.get_label(f)) for f in sorted(fields))  # noqa: E731
		if (before.workflow_state or OPEN) == PENDING and changed - VERIFIER_FIELDS:
			frappe.throw(
				_(
					"While awaiting verification only the return reason and effect evaluation may change ({0})"
				).format(labels(changed - VERIFIER_FIELDS)),
				RectificationError,
			)
		user = frappe.session.user
		roles = set(frappe.get_roles(user))
		if user == "Administrator" or roles & {"System Manager", R.BUREAU_ADMIN}:
			return
		working = roles & WORKING_ROLES
		if not working:
			# the bureau's inspector verifies; the institution does the work
			if changed - VERIFIER_FIELDS:
				frappe.throw(
					_("An inspector may only record the return reason and effect evaluation ({0})").format(
						labels(changed - VERIFIER_FIELDS)
					),
					frappe.PermissionError,
				)
			return
		if working <= DEPARTMENT_LEVEL_ROLES and not self.is_involved(before, user):
			frappe.throw(
				_("Only the responsible department, leader or measure owners may change this task"),
				frappe.PermissionError,
			)

	def is_involved(self, before, user: str) -> bool:
		if user in (self.responsible_leader, before.responsible_leader):
			return True
		department = user_department(user)
		if department and department in (self.responsible_department, before.responsible_department):
			return True
		return any(m.measure_owner == user for m in [*before.measures, *self.measures])

	def check_links(self):
		check_department(self.responsible_department, self.institution)
		if self.responsible_leader:
			post = frappe.db.get_value(
				"HSQ Staff", {"user": self.responsible_leader, "status": "Active"}, "institution"
			)
			if post != self.institution:
				frappe.throw(
					_("The responsible leader {0} must be an active staff member of {1}").format(
						self.responsible_leader, self.institution
					)
				)
		if self.source_type == "Complaint":
			if not self.source_name or not frappe.db.exists("HSQ Complaint", self.source_name):
				frappe.throw(_("Source complaint {0} does not exist").format(self.source_name or ""))
			if frappe.db.get_value("HSQ Complaint", self.source_name, "institution") != self.institution:
				frappe.throw(
					_("Complaint {0} does not belong to institution {1}").format(
						self.source_name, self.institution
					)
				)
		elif (
			self.source_type == "Spot Check" and self.source_name and frappe.db.table_exists("HSQ Spot Check")
		):
			if not frappe.db.exists("HSQ Spot Check", self.source_name):
				frappe.throw(_("Source spot check {0} does not exist").format(self.source_name))
		for row in self.complaints:
			if frappe.db.get_value("HSQ Complaint", row.complaint, "institution") != self.institution:
				frappe.throw(
					_("Complaint {0} does not belong to institution {1}").format(
						row.complaint, self.institution
					)
				)

	def fill_from_source(self):
		"""A task raised from a complaint inherits its institution, department and category."""
		if self.source_type != "Complaint" or not self.source_name:
			return
		complaint = frappe.db.get_value(
			"HSQ Complaint", self.source_name, ["institution", "department", "category"], as_dict=True
		)
		if not complaint:
			return
		self.institution = self.institution or complaint.institution
		self.responsible_department = self.responsible_department or complaint.department
		self.category = self.category or complaint.category

	def sync_complaint_rows(self):
		"""The source complaint is listed among the related complaints (the link back to it)."""
		if self.source_type == "Complaint" and self.source_name:
			if self.source_name not in {r.complaint for r in self.complaints}:
				self.append("complaints", {"complaint": self.source_name})
		seen = set()
		for row in list(self.complaints):
			if row.complaint in seen:
				self.remove(row)
			seen.add(row.complaint)

	def stamp_measures(self):
		for m in self.measures:
			if not cint(m.done):
				m.done_at = None
			elif not m.done_at:
				m.done_at = now()

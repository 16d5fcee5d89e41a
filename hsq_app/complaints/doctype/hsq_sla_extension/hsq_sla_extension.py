# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, format_datetime, get_fullname

from hsq_app import roles as R
from hsq_app.complaints.sla.clock import SLAError, is_open
from hsq_app.complaints.sla.deadlines import check_clock_user, save_clock
from hsq_app.complaints.sla.policy import extension_cap
from hsq_app.permissions import assert_same_institution
from hsq_app.utils.clock import now as clock_now
from hsq_app.utils.diff import changed_fields

REQUEST_FIELDS = ("complaint", "requested_days", "reason", "status")


class ExtensionError(SLAError):
	pass


class HSQSLAExtension(Document):
	"""A request for more time on a complaint, made by the people working it; the complaint's
	Institution Leader decides through :meth:`approve` / :meth:`reject` (as frappe/hrms's leave
	and shift requests decide themselves)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		approved_at: DF.Datetime | None
		approved_by: DF.Link | None
		complaint: DF.Link
		decision_note: DF.SmallText | None
		department: DF.Link | None
		institution: DF.Link | None
		reason: DF.SmallText
		requested_by: DF.Link | None
		requested_days: DF.Float
		status: DF.Literal["Pending", "Approved", "Rejected"]
	# end: auto-generated types

	def validate(self):
		complaint = frappe.get_doc("HSQ Complaint", self.complaint)
		self.institution = complaint.institution
		self.department = complaint.department
		if not self.is_new():
			if not self.flags.hsq_decision and changed_fields(
				self, self.get_doc_before_save(), REQUEST_FIELDS
			):
				frappe.throw(_("An extension request cannot be changed once made"), ExtensionError)
			return
		check_clock_user(complaint, _("Only the people handling the complaint may request an extension"))
		self.status = "Pending"
		self.requested_by = frappe.session.user
		self.approved_by = self.approved_at = None
		self.validate_request(complaint)

	def validate_request(self, complaint):
		if not (self.reason or "").strip():
			frappe.throw(_("Give the reason for the extension"), ExtensionError)
		if flt(self.requested_days) <= 0:
			frappe.throw(_("Requested days must be more than 0"), ExtensionError)
		if not is_open(complaint):
			frappe.throw(_("Complaint {0} is no longer open").format(complaint.name), ExtensionError)
		if frappe.db.exists("HSQ SLA Extension", {"complaint": complaint.name, "status": "Pending"}):
			frappe.throw(
				_("Complaint {0} already has a pending extension request").format(complaint.name),
				ExtensionError,
			)
		cap = extension_cap(complaint.sla_policy)
		if flt(complaint.extension_days) + flt(self.requested_days) > cap:
			frappe.throw(
				_("The policy allows at most {0} days of extension; {1} already approved").format(
					cap, flt(complaint.extension_days)
				),
				ExtensionError,
			)

	def after_insert(self):
		frappe.get_doc("HSQ Complaint", self.complaint).add_comment(
			"Info",
			_("Extension of {0} days requested ({1}): {2}").format(
				flt(self.requested_days), self.name, self.reason
			),
		)

	def on_trash(self):
		frappe.throw(_("Extension requests are kept for the record"))

	@frappe.whitelist(methods=["POST"])
	def approve(self, note: str | None = None) -> dict:
		"""The leader grants the days: the complaint's deadlines move (within the policy's cap)."""
		complaint = self.check_decider()
		if not is_open(complaint):
			frappe.throw(_("Complaint {0} is no longer open").format(complaint.name), ExtensionError)
		old_deadline = complaint.resolve_by
		cap = extension_cap(complaint.sla_policy)
		complaint.extension_days = min(flt(complaint.extension_days) + flt(self.requested_days), cap)
		now = clock_now()
		save_clock(complaint, now)
		complaint.add_comment(
			"Info",
			_("Extension of {0} days approved by {1} ({2}): deadline moved from {3} to {4}").format(
				flt(self.requested_days),
				get_fullname(frappe.session.user),
				self.name,
				format_datetime(old_deadline),
				format_datetime(complaint.resolve_by),
			),
		)
		return self.record_decision("Approved", note, now, complaint)

	@frappe.whitelist(methods=["POST"])
	def reject(self, note: str | None = None) -> dict:
		"""The leader refuses: the deadlines stay."""
		complaint = self.check_decider()
		complaint.add_comment(
			"Info",
			_("Extension of {0} days rejected by {1} ({2}): {3}").format(
				flt(self.requested_days), get_fullname(frappe.session.user), self.name, note or ""
			),
		)
		return self.record_decision("Rejected", note, clock_now(), complaint)

	def check_decider(self):
		"""A pending request, decided by a leader of its institution who did not make it."""
		self.load_from_db()  # a desk call may send the document: decide on what is stored
		user = frappe.session.user
		if R.INSTITUTION_LEADER not in frappe.get_roles(user):
			frappe.throw(_("Only an institution leader may decide on an extension"), frappe.PermissionError)
		assert_same_institution(self.institution, user)
		if self.status != "Pending":
			frappe.throw(
				_("Extension request {0} is already {1}").format(self.name, _(self.status)), ExtensionError
			)
		if self.requested_by == user:
			frappe.throw(_("Nobody decides on their own request"), frappe.PermissionError)
		return frappe.get_doc("HSQ Complaint", self.complaint)

	def record_decision(self, status: str, note, now, complaint) -> dict:
		self.status = status
		self.approved_by = frappe.session.user
		self.approved_at = now
		self.decision_note = note
		self.flags.hsq_decision = True
		self.save(ignore_permissions=True)
		return {
			"status": self.status,
			"resolve_by": complaint.resolve_by,
			"extension_days": complaint.extension_days,
		}

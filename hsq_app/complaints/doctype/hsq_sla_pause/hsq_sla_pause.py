# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, format_datetime

from hsq_app.complaints.sla.clock import PAUSABLE_STATES, SLAError
from hsq_app.complaints.sla.deadlines import check_clock_user, save_clock
from hsq_app.utils.clock import now as clock_now
from hsq_app.utils.work_calendar import get_calendar


class SLAPauseError(SLAError):
	pass


class HSQSLAPause(Document):
	"""One pause of a complaint's SLA clock: inserting it stops the clock (the complaint waits on
	the complainant), :meth:`resume` restarts it and adds the paused working hours back."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		complaint: DF.Link
		institution: DF.Link | None
		paused_at: DF.Datetime
		paused_by: DF.Link | None
		paused_hours: DF.Float
		reason: DF.SmallText
		resumed_at: DF.Datetime | None
		resumed_by: DF.Link | None
	# end: auto-generated types

	def validate(self):
		if not self.is_new():
			return
		complaint = frappe.get_doc("HSQ Complaint", self.complaint)
		check_clock_user(
			complaint,
			_("Only the handler, the department head or the quality officer may pause the SLA clock"),
		)
		self.reason = (self.reason or "").strip()
		if not self.reason:
			frappe.throw(_("Give the reason the complaint waits on the complainant"), SLAPauseError)
		if complaint.workflow_state not in PAUSABLE_STATES:
			frappe.throw(
				_("The SLA clock can only be paused while the complaint is Accepted or In Progress"),
				SLAPauseError,
			)
		if complaint.paused_since:
			frappe.throw(_("The SLA clock of {0} is already paused").format(complaint.name), SLAPauseError)
		self.institution = complaint.institution
		self.paused_at = clock_now()
		self.paused_by = frappe.session.user
		self.resumed_at = self.resumed_by = None
		self.paused_hours = 0

	def after_insert(self):
		complaint = frappe.get_doc("HSQ Complaint", self.complaint)
		complaint.paused_since = self.paused_at
		save_clock(complaint, self.paused_at)
		complaint.add_comment(
			"Info", _("SLA clock paused, waiting on the complainant: {0}").format(self.reason)
		)

	@frappe.whitelist(methods=["POST"])
	def resume(self) -> dict:
		"""Restart the clock; the paused working hours are added back to the deadlines."""
		self.load_from_db()  # a desk call may send the document: act on what is stored
		complaint = frappe.get_doc("HSQ Complaint", self.complaint)
		check_clock_user(
			complaint,
			_("Only the handler, the department head or the quality officer may pause the SLA clock"),
		)
		if self.resumed_at or not complaint.paused_since:
			frappe.throw(_("The SLA clock of {0} is not paused").format(complaint.name), SLAPauseError)
		now = clock_now()
		hours = end_pause(complaint, now)
		save_clock(complaint, now)
		complaint.add_comment(
			"Info",
			_("SLA clock resumed after {0} working hours; deadline now {1}").format(
				f"{hours:.1f}", format_datetime(complaint.resolve_by)
			),
		)
		return {
			"paused_hours": complaint.paused_hours,
			"resolve_by": complaint.resolve_by,
			"sla_status": complaint.sla_status,
		}

	def on_trash(self):
		frappe.throw(_("SLA pauses are kept for the record"))


def open_pause(complaint: str) -> str | None:
	"""The complaint's pause that has not ended, if any."""
	names = frappe.get_all(
		"HSQ SLA Pause",
		filters={"complaint": complaint, "resumed_at": ("is", "not set")},
		pluck="name",
		order_by="paused_at desc",
		limit=1,
	)
	return names[0] if names else None


def end_pause(complaint, now) -> float:
	"""Close the complaint's open pause record; add its working hours to the complaint (no save)."""
	hours = round(get_calendar().working_hours_between(complaint.paused_since, now), 4)
	name = open_pause(complaint.name)
	if name:
		frappe.db.set_value(
			"HSQ SLA Pause",
			name,
			{"resumed_at": now, "resumed_by": frappe.session.user, "paused_hours": hours},
		)
	complaint.paused_hours = flt(complaint.paused_hours) + hours
	complaint.paused_since = None
	return hours

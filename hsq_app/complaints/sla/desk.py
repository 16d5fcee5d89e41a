"""The complaint form's and list's SLA doors: the indicator, time left, pause and resume.

Extension decisions are the HSQ SLA Extension document's own methods (approve / reject)."""

from __future__ import annotations

import frappe

from hsq_app.complaints.sla.clock import CLOCK_ROLES, PAUSABLE_STATES, SLAError, time_left
from hsq_app.utils.clock import now as clock_now
from hsq_app.utils.work_calendar import get_calendar


@frappe.whitelist()
def get_sla_summary(complaint: str) -> dict:
	"""What the complaint form's SLA indicator shows."""
	doc = frappe.get_doc("HSQ Complaint", complaint)
	doc.check_permission("read")
	cal = get_calendar()
	return {
		"sla_status": doc.sla_status,
		"hours_left": time_left(doc, cal=cal),
		"resolve_by": doc.resolve_by,
		"deadline_is_provisional": doc.deadline_is_provisional,
		"covered_until": cal.covered_until,
		"escalation_level": doc.escalation_level,
		"paused_since": doc.paused_since,
		"paused_hours": doc.paused_hours,
		"extension_days": doc.extension_days,
		"pending_extension": frappe.db.exists(
			"HSQ SLA Extension", {"complaint": doc.name, "status": "Pending"}
		),
		"can_pause": frappe.has_permission("HSQ Complaint", "write", doc)
		and bool(set(frappe.get_roles()) & set(CLOCK_ROLES)),
		"pausable": doc.workflow_state in PAUSABLE_STATES,
	}


@frappe.whitelist()
def get_time_left(names) -> dict:
	"""Working hours left per complaint, for the list view (only what the user may read)."""
	names = frappe.parse_json(names) if isinstance(names, str) else names
	rows = frappe.get_list(
		"HSQ Complaint",
		filters={"name": ("in", list(names or [])[:500])},
		fields=["name", "resolve_by", "resolved_at", "workflow_state", "paused_since"],
	)
	cal = get_calendar()
	now = clock_now()
	return {r.name: time_left(r, now, cal) for r in rows}


@frappe.whitelist(methods=["POST"])
def pause(complaint: str, reason: str) -> dict:
	"""Stop the clock while waiting on the complainant: a new HSQ SLA Pause (which checks who,
	when and why)."""
	pause = frappe.get_doc({"doctype": "HSQ SLA Pause", "complaint": complaint, "reason": reason})
	pause.insert(ignore_permissions=True)  # the pause's validate checks the user's rights on the complaint
	return {
		"paused_since": pause.paused_at,
		"sla_status": frappe.db.get_value("HSQ Complaint", complaint, "sla_status"),
	}


@frappe.whitelist(methods=["POST"])
def resume(complaint: str) -> dict:
	"""Restart the clock: ends the complaint's open pause (HSQSLAPause.resume)."""
	from frappe import _

	from hsq_app.complaints.doctype.hsq_sla_pause.hsq_sla_pause import open_pause

	frappe.get_doc("HSQ Complaint", complaint).check_permission("write")
	name = open_pause(complaint)
	if not name:
		frappe.throw(_("The SLA clock of {0} is not paused").format(complaint), SLAError)
	return frappe.get_doc("HSQ SLA Pause", name).resume()

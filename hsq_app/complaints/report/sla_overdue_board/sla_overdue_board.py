# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

"""Open complaints in Warning or Breached, most overdue first, for leaders (permission-aware:
rows come through frappe.get_list, so institution and department isolation apply)."""

import frappe
from frappe import _
from frappe.utils import add_days, getdate, now_datetime

from hsq_app.complaints.sla.clock import STOPPED_STATES, time_left
from hsq_app.utils.report import column
from hsq_app.utils.work_calendar import get_calendar

LIMIT = 2000


def execute(filters=None):
	filters = frappe._dict(filters or {})
	cal = get_calendar()
	now = now_datetime()
	conditions = {
		"sla_status": filters.sla_status or ("in", ("Warning", "Breached")),
		"workflow_state": ("not in", STOPPED_STATES),
		"resolved_at": ("is", "not set"),
	}
	for field in ("institution", "department", "channel"):
		if filters.get(field):
			conditions[field] = filters.get(field)
	if filters.min_escalation_level:
		conditions["escalation_level"] = (">=", int(filters.min_escalation_level))
	rows = frappe.get_list(
		"HSQ Complaint",
		filters=conditions,
		fields=[
			"name",
			"institution",
			"department",
			"handler",
			"channel",
			"category",
			"severity",
			"workflow_state",
			"sla_status",
			"escalation_level",
			"received_at",
			"resolve_by",
			"resolved_at",
			"paused_since",
			"deadline_is_provisional",
		],
		order_by="resolve_by asc",
		limit_page_length=LIMIT,
	)
	for row in rows:
		row.hours_left = time_left(row, now, cal)
	return columns(), rows, coverage_message(cal)


def coverage_message(cal):
	"""Say so when deadlines run past the entered schedule (an admin must enter next year)."""
	if cal.covered_until is None:
		return _("No work calendar is set in HSQ Settings: deadlines count Monday to Friday only.")
	if getdate(cal.covered_until) < getdate(add_days(now_datetime(), 60)):
		return _(
			"The work calendar {0} is entered up to {1}; later deadlines count Monday to Friday only and are provisional. Enter next year's holidays and make-up workdays."
		).format(cal.name, frappe.utils.formatdate(cal.covered_until))
	return None


def columns():
	return [
		column("name", "Complaint", "Link", 150, "HSQ Complaint"),
		column("sla_status", "SLA Status", width=90),
		column("hours_left", "Working Hours Left", "Float", 120),
		column("resolve_by", "Resolve By", "Datetime", 160),
		column("escalation_level", "Escalation Level", "Int", 90),
		column("institution", "Institution", "Link", 160, "HSQ Institution"),
		column("department", "Department", "Link", 140, "HSQ Department"),
		column("handler", "Handler", "Link", 140, "User"),
		column("workflow_state", "Workflow State", width=100),
		column("severity", "Severity", width=80),
		column("channel", "Channel", width=110),
		column("category", "Category", "Link", 110, "HSQ Complaint Category"),
		column("received_at", "Received At", "Datetime", 160),
		column("deadline_is_provisional", "Deadline Provisional", "Check", 90),
	]

"""Deadline arithmetic and status of a complaint's SLA clock. Pure: no database, ``now`` passed in
or read from :func:`hsq_app.utils.clock.now`.

* **Deadlines** run from ``received_at`` on the work calendar: ``acknowledge_by`` after
  ``acknowledge_hours`` working hours; ``first_contact_by`` and ``resolve_by`` at the end of the
  working day ``n`` working days later (开始的当日不计入), or ``n`` calendar days later for
  ``use_calendar_days`` policies (a last day that is not a working day moves to the next one,
  《民法典》第二百零三条). Complex complaints take ``complex_resolve_days``; approved extension days
  are added; paused working hours are added back to ``first_contact_by`` and ``resolve_by``.
  ``warn_by`` is the instant ``warn_at_percent`` of the resolution time is used up.
* **Status**: Met / Breached once resolved (by ``resolve_by`` or not), Paused while paused,
  otherwise Breached past ``resolve_by``, Warning past ``warn_by``, else On Track.
"""

from __future__ import annotations

import datetime as dt

import frappe
from frappe.utils import cint, flt, get_datetime

from hsq_app import roles as R
from hsq_app.complaints import workflow as wf
from hsq_app.utils.clock import now as clock_now
from hsq_app.utils.work_calendar import WorkCalendar, get_calendar

# workflow states of "HSQ Complaint Workflow" after which the clock has stopped
STOPPED_STATES = (wf.RESOLVED, wf.CLOSED, wf.NOT_ACCEPTED)
PAUSABLE_STATES = (wf.ACCEPTED, wf.IN_PROGRESS)
CLOCK_ROLES = (R.HANDLER, R.DEPARTMENT_HEAD, R.QUALITY_OFFICER)

ON_TRACK, WARNING, BREACHED, MET, PAUSED = "On Track", "Warning", "Breached", "Met", "Paused"

# what the deadlines depend on; a save that changes none of them keeps the deadlines
DEADLINE_INPUTS = ("received_at", "channel", "category", "severity", "is_complex")
# changed only by the clock's own doors (pause, resume, extension approval, sweep), never by a form save
SLA_OWNED = ("escalation_level", "paused_since", "paused_hours", "extension_days")


class SLAError(frappe.ValidationError):
	"""A request the SLA clock refuses (pause, resume, extension)."""


DEADLINE_FIELDS = (
	"sla_policy",
	"acknowledge_by",
	"first_contact_by",
	"resolve_by",
	"warn_by",
	"deadline_is_provisional",
)


def day_limit(cal: WorkCalendar, start: dt.datetime, days: float, calendar_days: bool) -> dt.datetime | None:
	"""A day-counted limit from ``start``: the end of the working day it falls on."""
	days = flt(days)
	if days <= 0:
		return None
	if not days.is_integer():
		if calendar_days:
			return start + dt.timedelta(days=days)
		return cal.add_working_hours(start, days * cal.hours_per_day)
	if calendar_days:
		last = cal.next_working_day(start.date() + dt.timedelta(days=int(days)))
	else:
		last = cal.add_working_days(start, int(days))
	return cal.end_of_day(last)


def compute_deadlines(
	policy,
	received_at,
	*,
	is_complex=0,
	extension_days=0.0,
	paused_hours=0.0,
	calendar: WorkCalendar | str | None = None,
) -> frappe._dict:
	"""Deadlines of a complaint under ``policy``."""
	cal = get_calendar(calendar)
	start = get_datetime(received_at)
	calendar_days = cint(policy.use_calendar_days)
	days = flt(policy.resolve_days)
	if cint(is_complex) and flt(policy.complex_resolve_days):
		days = flt(policy.complex_resolve_days)
	days += min(flt(extension_days), flt(policy.max_extension_days))
	paused = flt(paused_hours)

	acknowledge_by = (
		cal.add_working_hours(start, flt(policy.acknowledge_hours)) if flt(policy.acknowledge_hours) else None
	)
	first_contact_by = day_limit(cal, start, policy.first_contact_days, calendar_days)
	resolve_by = day_limit(cal, start, days, calendar_days)
	if paused:
		first_contact_by = first_contact_by and cal.add_working_hours(first_contact_by, paused)
		resolve_by = resolve_by and cal.add_working_hours(resolve_by, paused)
	latest = max((d for d in (acknowledge_by, first_contact_by, resolve_by) if d), default=start)
	return frappe._dict(
		sla_policy=policy.name,
		acknowledge_by=acknowledge_by,
		first_contact_by=first_contact_by,
		resolve_by=resolve_by,
		warn_by=_warn_by(cal, start, resolve_by, flt(policy.warn_at_percent), calendar_days),
		deadline_is_provisional=1 if cal.is_provisional(latest) else 0,
	)


def _warn_by(cal: WorkCalendar, start, resolve_by, percent: float, calendar_days) -> dt.datetime | None:
	if not resolve_by or not 0 < percent < 100:
		return None
	if calendar_days:
		return start + (resolve_by - start) * (percent / 100)
	return cal.add_working_hours(start, cal.working_hours_between(start, resolve_by) * percent / 100)


def derive_status(doc, now=None) -> str | None:
	"""The SLA status a complaint has at ``now``."""
	resolve_by = doc.get("resolve_by") and get_datetime(doc.get("resolve_by"))
	if not resolve_by:
		return None
	done = doc.get("resolved_at") or (
		doc.get("workflow_state") in (wf.CLOSED, wf.NOT_ACCEPTED) and doc.get("closed_at")
	)
	if done:
		return MET if get_datetime(done) <= resolve_by else BREACHED
	if doc.get("paused_since"):
		return PAUSED
	now = clock_now(now)
	if now > resolve_by:
		return BREACHED
	warn_by = doc.get("warn_by")
	if warn_by and now >= get_datetime(warn_by):
		return WARNING
	return ON_TRACK


def time_left(row, now=None, cal=None) -> float | None:
	"""Working hours until ``resolve_by`` (negative: overdue), None once the clock stopped."""
	if not row.get("resolve_by") or row.get("resolved_at") or row.get("workflow_state") in STOPPED_STATES:
		return None
	cal = cal or get_calendar()
	until = row.get("paused_since") or clock_now(now)
	return round(cal.working_hours_between(until, row.get("resolve_by")), 1)


def is_open(complaint) -> bool:
	return complaint.get("workflow_state") not in STOPPED_STATES and not complaint.get("resolved_at")

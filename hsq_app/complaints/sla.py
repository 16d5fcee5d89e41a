"""SLA clocks for complaints (issue: SLA clocks on Chinese working days).

The complaint controller calls :func:`on_validate` on every save and :func:`on_transition`
whenever the workflow moves a complaint; :func:`sweep` is the scheduled job.

* A complaint's **policy** is the enabled HSQ SLA Policy whose channel / category / severity
  match (blank matches all), lowest ``priority`` first, then the most specific; else HSQ
  Settings' default policy.
* **Deadlines** run from ``received_at`` on the default work calendar: ``acknowledge_by`` after
  ``acknowledge_hours`` working hours; ``first_contact_by`` and ``resolve_by`` at the end of the
  working day ``n`` working days later (开始的当日不计入), or ``n`` calendar days later for
  ``use_calendar_days`` policies (a last day that is not a working day moves to the next one,
  《民法典》第二百零三条). Complex complaints take ``complex_resolve_days``; approved extension days
  are added; paused working hours are added back to ``first_contact_by`` and ``resolve_by``.
  ``warn_by`` is the instant ``warn_at_percent`` of the resolution time is used up.
* **Status**: Met / Breached once resolved (by ``resolve_by`` or not), Paused while paused,
  otherwise Breached past ``resolve_by``, Warning past ``warn_by``, else On Track.
* The **sweep** moves open complaints to Warning / Breached and escalates breached ones one level
  at a time (HSQ SLA Escalation Rule rows), with set-based SQL over indexed columns.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, get_url_to_form, get_url_to_report, now_datetime
from pymysql.converters import escape_string

from hsq_app import roles as R
from hsq_app.permissions import assert_same_institution, user_department, visible_institutions
from hsq_app.utils.work_calendar import WorkCalendar, get_calendar

# composite indexes on HSQ Complaint the sweep ranges over (created by sla_defaults.ensure_complaint_indexes)
STATUS_DEADLINE_INDEX = "sla_status_resolve_by_index"
STATUS_WARN_INDEX = "sla_status_warn_by_index"
STATUS_LEVEL_INDEX = "sla_status_escalation_level_index"

# workflow states of "HSQ Complaint Workflow" after which the clock has stopped
STOPPED_STATES = ("Resolved", "Closed", "Not Accepted")
PAUSABLE_STATES = ("Accepted", "In Progress")
CLOCK_ROLES = (R.HANDLER, R.DEPARTMENT_HEAD, R.QUALITY_OFFICER)

ON_TRACK, WARNING, BREACHED, MET, PAUSED = "On Track", "Warning", "Breached", "Met", "Paused"

# what the deadlines depend on; a save that changes none of them keeps the deadlines
DEADLINE_INPUTS = ("received_at", "channel", "category", "severity", "is_complex")
# changed only by this module (pause, resume, extension approval, sweep), never by a form save
SLA_OWNED = ("escalation_level", "paused_since", "paused_hours", "extension_days")
DEADLINE_FIELDS = (
	"sla_policy",
	"acknowledge_by",
	"first_contact_by",
	"resolve_by",
	"warn_by",
	"deadline_is_provisional",
)

POLICY_CACHE_KEY = "hsq_sla_policies"
LOCK_WAIT_SECONDS = 30
CHUNK = 5000
# a recipient with more new escalations than this in one sweep gets one digest notification
DIGEST_OVER = 20


class SLAError(frappe.ValidationError):
	pass


def _now(now=None) -> dt.datetime:
	"""``now`` if given, else the clock (``frappe.flags.hsq_now`` pins it, e.g. for a benchmark)."""
	if now:
		return get_datetime(now)
	return get_datetime(frappe.flags.hsq_now) if frappe.flags.get("hsq_now") else now_datetime()


# -- policies ----------------------------------------------------------------------------------


def get_policies() -> list[frappe._dict]:
	"""Every SLA policy with its escalation rows (sorted by level), cached until a policy changes."""
	return frappe.cache.get_value(POLICY_CACHE_KEY, generator=_load_policies)


def _load_policies() -> list[frappe._dict]:
	policies = frappe.get_all(
		"HSQ SLA Policy",
		fields=[
			"name",
			"enabled",
			"priority",
			"channel",
			"category",
			"severity",
			"acknowledge_hours",
			"first_contact_days",
			"resolve_days",
			"complex_resolve_days",
			"max_extension_days",
			"use_calendar_days",
			"warn_at_percent",
		],
		order_by="priority asc, name asc",
	)
	rules = frappe.get_all(
		"HSQ SLA Escalation Rule",
		filters={"parenttype": "HSQ SLA Policy", "parentfield": "escalations"},
		fields=["parent", "level", "after_hours_overdue", "notify"],
		order_by="level asc, idx asc",
	)
	by_policy = defaultdict(list)
	for rule in rules:
		by_policy[rule.parent].append(
			frappe._dict(
				level=cint(rule.level), after_hours=flt(rule.after_hours_overdue), notify=rule.notify
			)
		)
	for policy in policies:
		policy.escalations = by_policy.get(policy.name, [])
	return policies


def clear_policy_cache() -> None:
	frappe.cache.delete_value(POLICY_CACHE_KEY)


def on_policy_change() -> None:
	"""HSQ SLA Policy saved or deleted: drop the cache now, at commit and at rollback."""
	clear_policy_cache()
	frappe.db.after_commit.add(clear_policy_cache)
	frappe.db.after_rollback.add(clear_policy_cache)


def get_policy(name: str | None) -> frappe._dict | None:
	return next((p for p in get_policies() if p.name == name), None) if name else None


def match_policy(channel=None, category=None, severity=None) -> frappe._dict | None:
	"""The enabled policy for these values: lowest priority number, then the most specific."""
	wanted = {"channel": channel, "category": category, "severity": severity}
	candidates = [
		p for p in get_policies() if p.enabled and all(not p[f] or p[f] == v for f, v in wanted.items())
	]
	if candidates:
		return min(candidates, key=lambda p: (cint(p.priority), -sum(1 for f in wanted if p[f]), p.name))
	return get_policy(frappe.db.get_single_value("HSQ Settings", "default_sla_policy"))


# -- deadlines ---------------------------------------------------------------------------------


def add_days(cal: WorkCalendar, start: dt.datetime, days: float, calendar_days: bool) -> dt.datetime | None:
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
	"""Deadlines of a complaint under ``policy`` (pure: no database)."""
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
	first_contact_by = add_days(cal, start, policy.first_contact_days, calendar_days)
	resolve_by = add_days(cal, start, days, calendar_days)
	if paused:
		first_contact_by = first_contact_by and cal.add_working_hours(first_contact_by, paused)
		resolve_by = resolve_by and cal.add_working_hours(resolve_by, paused)

	warn_by = None
	percent = flt(policy.warn_at_percent)
	if resolve_by and 0 < percent < 100:
		if calendar_days:
			warn_by = start + (resolve_by - start) * (percent / 100)
		else:
			warn_by = cal.add_working_hours(
				start, cal.working_hours_between(start, resolve_by) * percent / 100
			)
	latest = max((d for d in (acknowledge_by, first_contact_by, resolve_by) if d), default=start)
	return frappe._dict(
		sla_policy=policy.name,
		acknowledge_by=acknowledge_by,
		first_contact_by=first_contact_by,
		resolve_by=resolve_by,
		warn_by=warn_by,
		deadline_is_provisional=1 if cal.is_provisional(latest) else 0,
	)


def derive_status(doc, now=None) -> str | None:
	"""The SLA status a complaint has at ``now`` (pure)."""
	resolve_by = doc.get("resolve_by") and get_datetime(doc.get("resolve_by"))
	if not resolve_by:
		return None
	done = doc.get("resolved_at") or (
		doc.get("workflow_state") in ("Closed", "Not Accepted") and doc.get("closed_at")
	)
	if done:
		return MET if get_datetime(done) <= resolve_by else BREACHED
	if doc.get("paused_since"):
		return PAUSED
	now = _now(now)
	if now > resolve_by:
		return BREACHED
	warn_by = doc.get("warn_by")
	if warn_by and now >= get_datetime(warn_by):
		return WARNING
	return ON_TRACK


def apply_deadlines(doc, now=None) -> None:
	"""Match the policy and set the deadlines and status on ``doc`` (no save)."""
	policy = match_policy(doc.channel, doc.category, doc.severity)
	if not policy or not doc.received_at:
		for field in DEADLINE_FIELDS:
			doc.set(field, None if field != "deadline_is_provisional" else 0)
		doc.sla_status = None
		return
	doc.update(
		compute_deadlines(
			policy,
			doc.received_at,
			is_complex=doc.is_complex,
			extension_days=doc.extension_days,
			paused_hours=doc.paused_hours,
		)
	)
	doc.sla_status = derive_status(doc, now)


def _norm(field: str, value):
	if field in ("received_at", "paused_since"):
		return get_datetime(value) if value else None
	if field == "is_complex":
		return cint(value)
	if field in ("requested_days", "extension_days", "paused_hours"):
		return flt(value)
	return value or None


def _changed(doc, before, fields) -> bool:
	return any(_norm(f, doc.get(f)) != _norm(f, before.get(f)) for f in fields)


def on_validate(doc) -> None:
	"""Called from HSQ Complaint.validate on every save.

	Recomputes the deadlines when something they depend on changed (or they are missing), keeps
	the fields only this module changes as they are in the database, and refreshes the status.
	"""
	before = doc.get_doc_before_save()
	clock_changed = doc.flags.hsq_sla_clock_changed  # on_transition ended a pause on this doc
	if before is None:
		for field in SLA_OWNED:
			doc.set(field, None if field == "paused_since" else 0)
	elif not clock_changed:
		for field in SLA_OWNED:
			doc.set(field, before.get(field))
	if before is None or not before.resolve_by or clock_changed or _changed(doc, before, DEADLINE_INPUTS):
		apply_deadlines(doc)
		return
	for field in DEADLINE_FIELDS:
		doc.set(field, before.get(field))
	doc.sla_status = derive_status(doc)


def on_transition(doc, from_state: str | None, to_state: str, now=None) -> None:
	"""Stamp acknowledged_at / first_contact_at / resolved_at / closed_at and settle sla_status
	as the workflow moves (fields set on ``doc``; the caller saves)."""
	now = _now(now)
	if doc.paused_since and to_state in STOPPED_STATES:
		_end_pause(doc, now)
		doc.flags.hsq_sla_clock_changed = True
		apply_deadlines(doc, now)
	if to_state == "Accepted" and not doc.acknowledged_at:
		doc.acknowledged_at = now
	elif to_state == "In Progress":
		if from_state == "Resolved":  # Reopen: the complainant is dissatisfied, the clock runs again
			doc.resolved_at = None
			doc.closed_at = None
		elif from_state == "Accepted" and not doc.first_contact_at:
			doc.first_contact_at = now
	elif to_state == "Resolved":
		doc.resolved_at = now
	elif to_state == "Closed":
		doc.closed_at = now
		doc.resolved_at = doc.resolved_at or now
	elif to_state == "Not Accepted":
		doc.closed_at = now
	doc.sla_status = derive_status(doc, now)


# -- pauses ------------------------------------------------------------------------------------


def _check_clock_user(doc) -> None:
	doc.check_permission("write")
	if not set(frappe.get_roles()) & {*CLOCK_ROLES, "System Manager"}:
		frappe.throw(
			_("Only the handler, the department head or the quality officer may pause the SLA clock"),
			frappe.PermissionError,
		)


def _save_clock(doc, now=None) -> None:
	"""Write the recomputed SLA fields of ``doc`` (no form save: the clock is not the content)."""
	apply_deadlines(doc, now)
	values = {f: doc.get(f) for f in (*DEADLINE_FIELDS, *SLA_OWNED, "sla_status")}
	doc.db_set(values, notify=True)


@frappe.whitelist(methods=["POST"])
def pause(complaint: str, reason: str):
	"""Stop the clock while waiting on the complainant (e.g. for records or a reply)."""
	doc = frappe.get_doc("HSQ Complaint", complaint)
	_check_clock_user(doc)
	reason = (reason or "").strip()
	if not reason:
		frappe.throw(_("Give the reason the complaint waits on the complainant"), SLAError)
	if doc.workflow_state not in PAUSABLE_STATES:
		frappe.throw(
			_("The SLA clock can only be paused while the complaint is Accepted or In Progress"), SLAError
		)
	if doc.paused_since:
		frappe.throw(_("The SLA clock of {0} is already paused").format(doc.name), SLAError)
	now = _now()
	frappe.get_doc(
		{
			"doctype": "HSQ SLA Pause",
			"complaint": doc.name,
			"institution": doc.institution,
			"reason": reason,
			"paused_at": now,
			"paused_by": frappe.session.user,
		}
	).insert(ignore_permissions=True)
	doc.paused_since = now
	_save_clock(doc, now)
	doc.add_comment("Info", _("SLA clock paused, waiting on the complainant: {0}").format(reason))
	return {"paused_since": now, "sla_status": doc.sla_status}


@frappe.whitelist(methods=["POST"])
def resume(complaint: str):
	"""Restart the clock; the paused working hours are added back to the deadlines."""
	doc = frappe.get_doc("HSQ Complaint", complaint)
	_check_clock_user(doc)
	if not doc.paused_since:
		frappe.throw(_("The SLA clock of {0} is not paused").format(doc.name), SLAError)
	now = _now()
	hours = _end_pause(doc, now)
	_save_clock(doc, now)
	doc.add_comment(
		"Info",
		_("SLA clock resumed after {0} working hours; deadline now {1}").format(
			f"{hours:.1f}", frappe.utils.format_datetime(doc.resolve_by)
		),
	)
	return {"paused_hours": doc.paused_hours, "resolve_by": doc.resolve_by, "sla_status": doc.sla_status}


def _end_pause(doc, now) -> float:
	"""Close the open pause record; add its working hours to the complaint (no save)."""
	hours = round(get_calendar().working_hours_between(doc.paused_since, now), 4)
	open_pause = frappe.get_all(
		"HSQ SLA Pause",
		filters={"complaint": doc.name, "resumed_at": ("is", "not set")},
		pluck="name",
		order_by="paused_at desc",
		limit=1,
	)
	if open_pause:
		frappe.db.set_value(
			"HSQ SLA Pause",
			open_pause[0],
			{"resumed_at": now, "resumed_by": frappe.session.user, "paused_hours": hours},
		)
	doc.paused_hours = flt(doc.paused_hours) + hours
	doc.paused_since = None
	return hours


# -- extensions --------------------------------------------------------------------------------


def validate_extension(ext) -> None:
	"""HSQ SLA Extension.validate: requests by the people working the complaint, within the cap."""
	complaint = frappe.get_doc("HSQ Complaint", ext.complaint)
	ext.institution = complaint.institution
	ext.department = complaint.department
	if not ext.is_new():
		if not ext.flags.hsq_decision and _changed(
			ext, ext.get_doc_before_save(), ("complaint", "requested_days", "reason", "status")
		):
			frappe.throw(_("An extension request cannot be changed once made"), SLAError)
		return
	complaint.check_permission("write")
	if not set(frappe.get_roles()) & {*CLOCK_ROLES, "System Manager"}:
		frappe.throw(
			_("Only the people handling the complaint may request an extension"), frappe.PermissionError
		)
	ext.status = "Pending"
	ext.requested_by = frappe.session.user
	ext.approved_by = ext.approved_at = None
	if not (ext.reason or "").strip():
		frappe.throw(_("Give the reason for the extension"), SLAError)
	if flt(ext.requested_days) <= 0:
		frappe.throw(_("Requested days must be more than 0"), SLAError)
	if complaint.workflow_state in STOPPED_STATES or complaint.resolved_at:
		frappe.throw(_("Complaint {0} is no longer open").format(complaint.name), SLAError)
	if frappe.db.exists("HSQ SLA Extension", {"complaint": complaint.name, "status": "Pending"}):
		frappe.throw(
			_("Complaint {0} already has a pending extension request").format(complaint.name), SLAError
		)
	policy = get_policy(complaint.sla_policy)
	cap = flt(policy.max_extension_days) if policy else 0
	if flt(complaint.extension_days) + flt(ext.requested_days) > cap:
		frappe.throw(
			_("The policy allows at most {0} days of extension; {1} already approved").format(
				cap, flt(complaint.extension_days)
			),
			SLAError,
		)


def _decide(name: str, approve: bool, note: str | None):
	ext = frappe.get_doc("HSQ SLA Extension", name)
	user = frappe.session.user
	if R.INSTITUTION_LEADER not in frappe.get_roles(user):
		frappe.throw(_("Only an institution leader may decide on an extension"), frappe.PermissionError)
	assert_same_institution(ext.institution, user)
	if ext.status != "Pending":
		frappe.throw(_("Extension request {0} is already {1}").format(ext.name, _(ext.status)), SLAError)
	if ext.requested_by == user:
		frappe.throw(_("Nobody decides on their own request"), frappe.PermissionError)
	now = _now()
	complaint = frappe.get_doc("HSQ Complaint", ext.complaint)
	if approve:
		if complaint.workflow_state in STOPPED_STATES or complaint.resolved_at:
			frappe.throw(_("Complaint {0} is no longer open").format(complaint.name), SLAError)
		policy = get_policy(complaint.sla_policy)
		cap = flt(policy.max_extension_days) if policy else 0
		old_deadline = complaint.resolve_by
		complaint.extension_days = min(flt(complaint.extension_days) + flt(ext.requested_days), cap)
		_save_clock(complaint, now)
		complaint.add_comment(
			"Info",
			_("Extension of {0} days approved by {1} ({2}): deadline moved from {3} to {4}").format(
				flt(ext.requested_days),
				frappe.utils.get_fullname(user),
				ext.name,
				frappe.utils.format_datetime(old_deadline),
				frappe.utils.format_datetime(complaint.resolve_by),
			),
		)
	else:
		complaint.add_comment(
			"Info",
			_("Extension of {0} days rejected by {1} ({2}): {3}").format(
				flt(ext.requested_days), frappe.utils.get_fullname(user), ext.name, note or ""
			),
		)
	ext.status = "Approved" if approve else "Rejected"
	ext.approved_by = user
	ext.approved_at = now
	ext.decision_note = note
	ext.flags.hsq_decision = True
	ext.save(ignore_permissions=True)
	return {
		"status": ext.status,
		"resolve_by": complaint.resolve_by,
		"extension_days": complaint.extension_days,
	}


@frappe.whitelist(methods=["POST"])
def approve_extension(extension: str, note: str | None = None):
	return _decide(extension, True, note)


@frappe.whitelist(methods=["POST"])
def reject_extension(extension: str, note: str | None = None):
	return _decide(extension, False, note)


# -- desk --------------------------------------------------------------------------------------


def time_left(row, now=None, cal=None) -> float | None:
	"""Working hours until ``resolve_by`` (negative: overdue), None once the clock stopped."""
	if not row.get("resolve_by") or row.get("resolved_at") or row.get("workflow_state") in STOPPED_STATES:
		return None
	cal = cal or get_calendar()
	until = row.get("paused_since") or _now(now)
	return round(cal.working_hours_between(until, row.get("resolve_by")), 1)


def report_scope(user: str | None = None) -> tuple[list[str] | None, str | None]:
	"""(institutions, department) a user's SQL reports are limited to; institutions None means all.

	Mirrors hsq_app.permissions: department-level roles see their own department's complaints.
	"""
	user = user or frappe.session.user
	institutions = visible_institutions(user)
	roles = set(frappe.get_roles(user))
	department = None
	if institutions is not None and roles & set(R.DEPARTMENT_ROLES) and not roles & set(R.INSTITUTION_ROLES):
		department = user_department(user) or "-"
	return institutions, department


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
	now = _now()
	return {r.name: time_left(r, now, cal) for r in rows}


# -- calendar edits ----------------------------------------------------------------------------


def on_calendar_change(calendar: str) -> None:
	"""A work calendar was saved: provisional deadlines may now be exact (recomputed in the background)."""
	if calendar != frappe.db.get_single_value("HSQ Settings", "default_work_calendar"):
		return
	if frappe.flags.in_install or frappe.flags.in_migrate:
		return
	frappe.enqueue(
		"hsq_app.complaints.sla.recompute_open_deadlines",
		provisional_only=True,
		enqueue_after_commit=True,
		deduplicate=True,
		job_id="hsq_recompute_provisional_deadlines",
	)


def recompute_open_deadlines(provisional_only: bool = True, now=None) -> int:
	"""Recompute deadlines of open complaints (by default only provisional ones, which are those
	received in the last weeks before ``covered_until``: a bounded set). Writes changed rows only."""
	C = frappe.qb.DocType("HSQ Complaint")
	fields = ["name", "workflow_state", "acknowledged_at", "resolved_at", "closed_at", "sla_status"]
	fields += [*DEADLINE_INPUTS, *SLA_OWNED, *DEADLINE_FIELDS]
	query = frappe.qb.from_(C).select(*[C[f] for f in fields]).where(_open(C))
	if provisional_only:
		query = query.where(C.deadline_is_provisional == 1)
	changed = 0
	for row in query.run(as_dict=True):
		doc = frappe._dict(row)
		apply_deadlines(doc, now)
		values = {f: doc[f] for f in (*DEADLINE_FIELDS, "sla_status") if doc[f] != row[f]}
		if values:
			frappe.db.set_value("HSQ Complaint", row["name"], values, update_modified=False)
			changed += 1
	return changed


# -- the sweep ---------------------------------------------------------------------------------


def _open(C):
	return (
		(C.workflow_state.isnull() | C.workflow_state.notin(STOPPED_STATES))
		& C.resolved_at.isnull()
		& C.paused_since.isnull()
	)


def sweep(now=None, commit: bool = True) -> dict:
	"""The scheduled SLA job: set sla_status, escalate, write HSQ Escalation Log rows, notify.

	Safe to run twice or concurrently: one sweep per site at a time (a MariaDB named lock held
	until its commit), candidate rows read with locking reads, and a unique (complaint, level)
	index under HSQ Escalation Log. ``commit=False`` (tests) leaves the transaction to the caller.
	"""
	now = _now(now)
	lock = f"hsq_sla_sweep:{frappe.conf.db_name}"
	isolation = None
	if commit:
		# the job's own transaction reads committed: its range scans then lock the rows they
		# touch, not the gaps between them (sweeps are serialised by the named lock anyway)
		isolation = frappe.db.sql("SELECT @@SESSION.tx_isolation")[0][0]
		frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
		frappe.db.commit()  # start afresh: see what an earlier sweep committed
	if not frappe.db.sql("SELECT GET_LOCK(%s, %s)", (lock, LOCK_WAIT_SECONDS))[0][0]:
		_restore_isolation(isolation)
		return {"skipped": 1}
	try:
		counts = _update_statuses(now)
		escalated, digests = _escalate(now)
		counts.update(escalated)
		counts["notifications"] = _notify(digests, now)
		counts["recipients"] = len(digests)
		if digests:
			# email digests are composed in the background, once this sweep is committed
			payload = {user: {"count": d["count"], "items": d["items"][:50]} for user, d in digests.items()}
			if commit:
				frappe.enqueue(
					"hsq_app.complaints.sla.send_escalation_emails",
					queue="short",
					enqueue_after_commit=True,
					digests=payload,
				)
			else:
				counts["emails"] = send_escalation_emails(payload)
		if commit:
			_restore_isolation(isolation)
			frappe.db.commit()  # batch job: make statuses, logs and notifications durable before unlocking
	except Exception:
		if commit:
			_restore_isolation(isolation)
			frappe.db.rollback()
		raise
	finally:
		frappe.db.sql("SELECT RELEASE_LOCK(%s)", (lock,))
	return counts


def _restore_isolation(isolation: str | None) -> None:
	if isolation:
		frappe.db.sql(f"SET SESSION TRANSACTION ISOLATION LEVEL {isolation.replace('-', ' ')}")


def _rowcount() -> int:
	return max(frappe.db._cursor.rowcount, 0)


def _update_statuses(now: dt.datetime) -> dict:
	"""Two UPDATEs, each a range over a composite index (raw SQL for the index hints: fresh bulk
	loads leave the optimizer's statistics stale, and a full scan here costs every sweep)."""
	values = {"now": now, "stopped": STOPPED_STATES}
	frappe.db.sql(
		f"""UPDATE `tabHSQ Complaint` c FORCE INDEX (`{STATUS_DEADLINE_INDEX}`)
		SET c.sla_status = 'Breached'
		WHERE c.sla_status IN ('On Track', 'Warning') AND c.resolve_by < %(now)s AND {OPEN_SQL}""",
		values,
	)
	breached = _rowcount()
	frappe.db.sql(
		f"""UPDATE `tabHSQ Complaint` c FORCE INDEX (`{STATUS_WARN_INDEX}`)
		SET c.sla_status = 'Warning'
		WHERE c.sla_status = 'On Track' AND c.warn_by <= %(now)s AND c.resolve_by >= %(now)s AND {OPEN_SQL}""",
		values,
	)
	return {"breached": breached, "warning": _rowcount()}


OPEN_SQL = """(c.workflow_state IS NULL OR c.workflow_state NOT IN %(stopped)s)
	AND c.resolved_at IS NULL AND c.paused_since IS NULL"""
LOG_COLUMNS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
	"idx",
	"complaint",
	"level",
	"escalated_at",
	"institution",
	"notify",
	"notified",
)


def _literal(value) -> str:
	"""A quoted SQL string literal (for multi-row VALUES run without parameters)."""
	return "'" + escape_string(str(value)) + "'"


def _next_rule(cutoffs: list, level: int) -> int:
	"""Index of the first rule above ``level``."""
	return next(i for i, (rule, _cutoff) in enumerate(cutoffs) if rule.level > level)


def _escalate(now: dt.datetime) -> tuple[dict, dict]:
	"""Raise escalation_level one rule at a time; one log row per (complaint, level), in order.

	Per policy, one locking read over the index (sla_status, escalation_level, resolve_by) finds
	the breached complaints with a level now due (``after_hours_overdue`` working hours past the
	deadline, turned into a cutoff on ``resolve_by``); each gets a log row for every level it passed
	(a complaint that missed runs climbs several levels in one sweep, one row per level, lowest
	first), then one UPDATE lifts each to the highest level due. Raw SQL: index hints and locking
	reads are beyond frappe.qb, and multi-row INSERT IGNORE beats the query builder for big batches.
	"""
	cal = get_calendar()
	recipients = _Recipients()
	digests = defaultdict(lambda: {"count": 0, "items": []})  # user -> escalations this sweep
	logs = 0
	stamp = _literal(now)
	for policy in get_policies():
		cutoffs = [(rule, cal.subtract_working_hours(now, rule.after_hours)) for rule in policy.escalations]
		if not cutoffs:
			continue
		values = {f"cutoff{i}": cutoff for i, (_rule, cutoff) in enumerate(cutoffs)}
		values.update(policy=policy.name, stopped=STOPPED_STATES)
		# due: a complaint at level v whose deadline is past the cutoff of the next rule above v.
		# One (sla_status, escalation_level, resolve_by) index range per level, so complaints
		# waiting for their next level are not read and a sweep with nothing due reads no rows.
		due = " OR ".join(
			f"(c.escalation_level = {level} AND c.resolve_by <= %(cutoff{_next_rule(cutoffs, level)})s)"
			for level in range(cutoffs[-1][0].level)
		)
		# the highest level now due, highest first (cutoffs fall as levels rise)
		case = " ".join(
			f"WHEN c.resolve_by <= %(cutoff{i})s THEN {rule.level}"
			for i, (rule, _cutoff) in reversed(list(enumerate(cutoffs)))
		)
		rows = frappe.db.sql(
			f"""SELECT c.name, c.institution, c.department, c.registered_by, c.escalation_level,
				CASE {case} ELSE 0 END AS target
			FROM `tabHSQ Complaint` c FORCE INDEX (`{STATUS_LEVEL_INDEX}`)
			WHERE c.sla_status = 'Breached' AND ({due}) AND c.sla_policy = %(policy)s AND {OPEN_SQL}
			FOR UPDATE""",
			values,
			as_dict=True,
		)
		if not rows:
			continue
		batch = []
		notified = {}
		for row in rows:
			name_sql, institution_sql = _literal(row.name), _literal(row.institution or "")
			for rule, _cutoff in cutoffs:
				if not row.escalation_level < rule.level <= row.target:
					continue
				users = recipients.of(rule.notify, row)
				for user in users:
					digest = digests[user]
					digest["count"] += 1
					if len(digest["items"]) <= DIGEST_OVER:
						digest["items"].append((row.name, rule.level, rule.notify))
				key = (rule.notify, tuple(users))
				if key not in notified:
					notified[key] = (_literal(rule.notify), _literal(", ".join(users)))
				notify_sql, users_sql = notified[key]
				batch.append(
					f"({name_sql[:-1]}-L{rule.level}', {stamp}, {stamp}, 'Administrator',"
					f" 'Administrator', 0, 0, {name_sql}, {rule.level}, {stamp},"
					f" {institution_sql}, {notify_sql}, {users_sql})"
				)
		batch.sort()  # primary-key order: appends to the clustered index instead of splitting pages
		for start in range(0, len(batch), CHUNK):
			frappe.db.sql(
				f"INSERT IGNORE INTO `tabHSQ Escalation Log` ({', '.join(LOG_COLUMNS)}) VALUES "
				+ ", ".join(batch[start : start + CHUNK])
			)
			logs += _rowcount()
		# lift each complaint read above (and locked) to the highest level now due
		by_level = defaultdict(list)
		for row in rows:
			by_level[row.target].append(row.name)
		for level, names in by_level.items():
			for start in range(0, len(names), CHUNK):
				frappe.db.sql(
					"UPDATE `tabHSQ Complaint` SET escalation_level = %(level)s WHERE name IN %(names)s",
					{"level": level, "names": tuple(names[start : start + CHUNK])},
				)
	return {"escalated": logs}, digests


class _Recipients:
	"""Who is notified at each level, through the 属地 chain (read once per sweep)."""

	def __init__(self):
		self._heads = self._institutions = self._bureau = None

	def of(self, notify: str, row) -> list[str]:
		users = []
		if notify == "Department Head":
			if self._heads is None:
				self._heads = dict(
					frappe.get_all(
						"HSQ Department",
						filters={"department_head": ("is", "set")},
						fields=["name", "department_head"],
						as_list=True,
					)
				)
			users = [self._heads.get(row.department)]
		elif notify in ("Deputy Head", "Principal Head"):
			if self._institutions is None:
				self._institutions = {
					r.name: r
					for r in frappe.get_all(
						"HSQ Institution", fields=["name", "deputy_head", "principal_head"]
					)
				}
			inst = self._institutions.get(row.institution) or {}
			users = [inst.get("deputy_head" if notify == "Deputy Head" else "principal_head")]
		elif notify == "Bureau":
			if self._bureau is None:
				from frappe.utils.user import get_users_with_role

				self._bureau = sorted(get_users_with_role(R.BUREAU_ADMIN))
			users = self._bureau
		users = [u for u in users if u]
		# nobody at that level: whoever registered the complaint (首诉负责) must know
		return users or ([row.registered_by] if row.get("registered_by") else [])


def _notify(digests: dict, now: dt.datetime) -> int:
	"""Notification Log rows (bulk): one per complaint for a recipient with a few, else one digest."""
	from frappe.desk.doctype.notification_log.notification_log import set_notifications_as_unseen

	values = []
	for user, digest in digests.items():
		if digest["count"] <= DIGEST_OVER:
			for complaint, level, notify in digest["items"]:
				subject = _("Complaint {0} is overdue: escalated to you ({1}, level {2})").format(
					complaint, _(notify), level
				)
				values.append(_notification_row(user, subject, complaint, now))
		else:
			subject = _("{0} overdue complaints were escalated to you").format(digest["count"])
			values.append(_notification_row(user, subject, None, now))
		set_notifications_as_unseen(user)
		frappe.publish_realtime("notification", after_commit=True, user=user)
	frappe.db.bulk_insert(
		"Notification Log",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"subject",
			"for_user",
			"type",
			"document_type",
			"document_name",
			"from_user",
			"link",
			"read",
		],
		values,
	)
	return len(values)


def send_escalation_emails(digests: dict) -> int:
	"""One digest email (Email Queue) per recipient of this sweep's escalations (background job)."""
	from frappe.email.doctype.email_account.email_account import EmailAccount

	account = EmailAccount.find_outgoing()
	if not (account and account.get("email_id")):  # no outgoing account (yet): bell notifications only
		return 0
	board = get_url_to_report("SLA Overdue Board", "Script Report", "HSQ Complaint")
	return sum(_email(user, digest["count"], digest["items"], board) for user, digest in digests.items())


def _email(user: str, count: int, items: list, board: str) -> int:
	"""Queue one digest email for a recipient who wants email notifications."""
	from frappe.desk.doctype.notification_settings.notification_settings import (
		is_email_notifications_enabled,
	)

	email = frappe.db.get_value("User", user, "email") if user not in ("Administrator", "Guest") else None
	if not email or not is_email_notifications_enabled(user):
		return 0
	try:
		frappe.sendmail(
			recipients=[email],
			subject=_("{0} overdue complaints escalated to you").format(count),
			message=_digest_html(count, items, board),
			delayed=True,
		)
	except frappe.InvalidEmailAddressError:
		frappe.log_error(title=_("SLA escalation email not queued"))
		return 0
	return 1


def _notification_row(user, subject, complaint, now):
	link = None if complaint else "/app/query-report/SLA Overdue Board"
	return (
		frappe.generate_hash(length=12),
		now,
		now,
		"Administrator",
		"Administrator",
		subject,
		user,
		"Alert",
		"HSQ Complaint" if complaint else None,
		complaint,
		"Administrator",
		link,
		0,
	)


def _digest_html(count, items, board_url) -> str:
	lines = []
	for complaint, level, notify in items:
		link = get_url_to_form("HSQ Complaint", complaint)
		label = _("level {0} ({1})").format(level, _(notify))
		lines.append(f'<li><a href="{link}">{frappe.utils.escape_html(complaint)}</a> — {label}</li>')
	more = _("and {0} more").format(count - len(items)) if count > len(items) else ""
	return "<p>{}</p><ul>{}</ul><p>{}</p><p><a href='{}'>{}</a></p>".format(
		_("These complaints are past their resolution deadline and were escalated to you:"),
		"".join(lines),
		more,
		board_url,
		_("Open the SLA overdue board"),
	)

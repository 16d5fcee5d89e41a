"""SLA clocks: deadlines per default policy, status, workflow stamps, pauses, extensions, the sweep."""

import datetime as dt
import importlib
import threading

import chinese_calendar as cc
import frappe
import pytest
from factories import committed, make_complaint
from frappe.tests.utils import FrappeTestCase

from hsq_app.complaints import sla, stats
from hsq_app.complaints.doctype.hsq_sla_extension.hsq_sla_extension import ExtensionError
from hsq_app.complaints.doctype.hsq_sla_pause.hsq_sla_pause import SLAPauseError
from hsq_app.complaints.sla import clock, deadlines, notify
from hsq_app.complaints.sla.defaults import (
	DEFAULT_POLICY,
	ESCALATION_CHAIN,
	HOTLINE_POLICY,
	PETITION_POLICY,
	ensure_sla_policies,
	official_schedule,
)
from hsq_app.utils import work_calendar as wc

D = dt.datetime
YEARS = sorted(official_schedule())


def frozen(when):
	"""Freeze time for code that reads the clock itself (jobs, whitelisted methods)."""
	return FrappeTestCase.freeze_time(None, when)


@pytest.fixture
def world(shared_world):
	w = shared_world
	frappe.db.set_value(
		"HSQ Institution", w.a.institution, {"deputy_head": w.a.leader, "principal_head": w.a.admin}
	)
	return w


@pytest.fixture
def swept(world, monkeypatch):
	"""For tests that run the sweep: the production job, which commits; what it leaves behind is
	deleted afterwards. The digest-email job it enqueues is recorded in ``swept.enqueued``."""
	enqueued = []
	monkeypatch.setattr(frappe, "enqueue", lambda method, **kw: enqueued.append((method, kw)))
	heads = ("deputy_head", "principal_head")
	with committed(("HSQ Institution", world.a.institution, heads)):
		yield frappe._dict(world=world, enqueued=enqueued)


def complaint(w, **kw):
	kw.setdefault("department", w.a.dept1)
	return make_complaint(w.a.institution, **kw)


def last_working_day_before_national_day(year: int) -> dt.date:
	day = dt.date(year, 9, 30)
	while not cc.is_workday(day):
		day -= dt.timedelta(days=1)
	return day


def official_nth_working_day(start: dt.date, n: int) -> dt.date:
	day = start
	while n:
		day += dt.timedelta(days=1)
		n -= cc.is_workday(day)
	return day


# -- deadlines ---------------------------------------------------------------------------------


def test_received_on_last_working_day_before_national_day_2025(world):
	"""Done-when: the official schedule's deadline, make-up Saturday 2025-10-11 included."""
	doc = complaint(world, received_at=D(2025, 9, 30, 16, 0))
	assert doc.sla_policy == DEFAULT_POLICY
	# working days after 09-30: 10-09, 10-10, 10-11 (Saturday, 调休), 10-13, 10-14
	assert doc.resolve_by == D(2025, 10, 14, 17, 30)
	assert doc.acknowledge_by == D(2025, 10, 9, 16, 0)  # 1.5 h on 09-30, then 4 + 2 h on 10-09
	assert doc.first_contact_by == D(2025, 10, 9, 17, 30)
	assert doc.deadline_is_provisional == 0
	assert doc.sla_status == "Breached"  # it is long past now


@pytest.mark.parametrize("year", YEARS)
def test_national_day_deadline_matches_official_schedule_every_year(world, year):
	received = last_working_day_before_national_day(year)
	doc = complaint(world, received_at=D(received.year, received.month, received.day, 9, 0))
	assert doc.resolve_by.date() == official_nth_working_day(received, 5)
	doc = complaint(world, received_at=D(received.year, received.month, received.day, 9, 0), is_complex=1)
	assert doc.resolve_by.date() == official_nth_working_day(received, 10)


def test_on_validate_called_directly_sets_deadlines(world):
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "On-site",
			"received_at": "2025-09-30 10:00:00",
			"category": "Fees",
			"severity": "Medium",
			"institution": world.a.institution,
		}
	)
	sla.on_validate(doc)
	assert doc.sla_policy == DEFAULT_POLICY
	assert doc.resolve_by == D(2025, 10, 14, 17, 30)
	assert doc.escalation_level == 0 and not doc.paused_since


def test_default_policy_simple_and_complex(world):
	doc = complaint(world, channel="On-site", received_at=D(2025, 9, 30, 10, 0))
	assert doc.acknowledge_by == D(2025, 10, 9, 10, 0)
	assert doc.resolve_by == D(2025, 10, 14, 17, 30)
	cal = wc.get_calendar()
	used = cal.working_hours_between(doc.received_at, doc.warn_by)
	assert abs(used - 0.75 * cal.working_hours_between(doc.received_at, doc.resolve_by)) < 1e-6
	complex_ = complaint(world, channel="WeChat", received_at=D(2025, 9, 30, 10, 0), is_complex=1)
	# 10-09 10 11(Sat) 13 14 15 16 17 20 21
	assert complex_.resolve_by == D(2025, 10, 21, 17, 30)


def test_12345_hotline_policy(world):
	doc = complaint(world, channel="12345 Hotline", received_at=D(2025, 9, 30, 10, 0), is_complex=1)
	assert doc.sla_policy == HOTLINE_POLICY
	assert doc.acknowledge_by == D(2025, 10, 9, 10, 0)  # sign within one working day (7.5 h)
	assert doc.resolve_by == D(2025, 10, 14, 17, 30)  # reply within 5 working days, complex or not
	assert frappe.db.get_value("HSQ SLA Policy", HOTLINE_POLICY, "max_extension_days") == 10


def test_letters_and_visits_policy_counts_calendar_days(world):
	doc = complaint(world, channel="Letters and Visits", received_at=D(2025, 9, 30, 10, 0))
	assert doc.sla_policy == PETITION_POLICY
	assert doc.first_contact_by == D(2025, 10, 15, 17, 30)  # accept within 15 days
	# 60 days after 09-30 is Saturday 11-29: the limit ends on the next working day (民法典 第203条)
	assert doc.resolve_by == D(2025, 12, 1, 17, 30)
	assert frappe.db.get_value("HSQ SLA Policy", PETITION_POLICY, "max_extension_days") == 30


def test_policies_ship_the_escalation_chain_and_stay_editable():
	for name in (DEFAULT_POLICY, HOTLINE_POLICY, PETITION_POLICY):
		rows = frappe.get_all(
			"HSQ SLA Escalation Rule",
			filters={"parent": name},
			fields=["level", "after_hours_overdue", "notify"],
			order_by="level",
		)
		assert [(r.level, r.after_hours_overdue, r.notify) for r in rows] == ESCALATION_CHAIN
	frappe.db.set_value("HSQ SLA Policy", DEFAULT_POLICY, "resolve_days", 4)
	sla.on_policy_change()
	ensure_sla_policies()
	assert frappe.db.get_value("HSQ SLA Policy", DEFAULT_POLICY, "resolve_days") == 4


def test_policy_matching_by_priority_then_specificity(world):
	frappe.get_doc(
		{
			"doctype": "HSQ SLA Policy",
			"policy_name": "12345 urgent",
			"channel": "12345 Hotline",
			"severity": "Urgent",
			"priority": 10,
			"resolve_days": 1,
		}
	).insert()
	frappe.get_doc(
		{"doctype": "HSQ SLA Policy", "policy_name": "off", "priority": 1, "resolve_days": 1, "enabled": 0}
	).insert()
	urgent = complaint(world, channel="12345 Hotline", severity="Urgent", received_at=D(2025, 9, 30, 10))
	medium = complaint(world, channel="12345 Hotline", severity="Medium", received_at=D(2025, 9, 30, 10))
	assert urgent.sla_policy == "12345 urgent" and urgent.resolve_by == D(2025, 10, 9, 17, 30)
	assert medium.sla_policy == HOTLINE_POLICY


def test_deadlines_recomputed_only_when_inputs_change(world):
	doc = complaint(world, channel="On-site", received_at=D(2025, 9, 30, 10))
	frappe.db.set_value("HSQ SLA Policy", DEFAULT_POLICY, "resolve_days", 1)
	sla.on_policy_change()  # what the policy form's save does (and undone at rollback)
	doc.reload()
	doc.demands = "道歉"
	doc.resolve_by = D(2030, 1, 1)  # a tampering client
	doc.escalation_level = 3
	doc.save()
	assert doc.resolve_by == D(2025, 10, 14, 17, 30) and doc.escalation_level == 0
	doc.channel = "12345 Hotline"
	doc.save()
	assert doc.sla_policy == HOTLINE_POLICY
	doc.channel = "On-site"
	doc.save()
	assert doc.resolve_by == D(2025, 10, 9, 17, 30)  # now under the edited policy


def test_deadline_past_covered_until_is_provisional(world):
	covered = wc.get_calendar().covered_until
	doc = complaint(world, received_at=D(covered.year, 12, 28, 9))
	assert doc.deadline_is_provisional == 1
	assert doc.resolve_by.date() > covered


def test_provisional_deadlines_recomputed_when_the_next_year_is_entered(world):
	cal_doc = frappe.get_doc("HSQ Work Calendar", wc.default_calendar_name())
	covered = wc.get_calendar().covered_until
	nxt = covered.year + 1
	doc = complaint(world, received_at=D(covered.year, 12, 30, 9))
	before = doc.resolve_by
	for day in range(1, 6):  # a long New Year break next year
		if dt.date(nxt, 1, day).weekday() < 5:
			cal_doc.append("days", {"date": dt.date(nxt, 1, day), "day_type": "Holiday"})
	cal_doc.covered_until = dt.date(nxt, 12, 31)
	cal_doc.save()
	assert deadlines.recompute_open_deadlines(provisional_only=True) >= 1
	doc.reload()
	assert doc.deadline_is_provisional == 0 and doc.resolve_by > before


# -- status and workflow -----------------------------------------------------------------------


def test_status_moves_with_time(world):
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	assert clock.derive_status(doc, D(2025, 10, 9, 9)) == "On Track"
	assert clock.derive_status(doc, doc.warn_by) == "Warning"
	assert clock.derive_status(doc, D(2025, 10, 14, 17, 30)) == "Warning"
	assert clock.derive_status(doc, D(2025, 10, 14, 17, 31)) == "Breached"


def test_transitions_stamp_and_settle(world):
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	sla.on_transition(doc, "Dispatched", "Accepted", now=D(2025, 10, 9, 9))
	assert doc.acknowledged_at == D(2025, 10, 9, 9) and doc.sla_status == "On Track"
	sla.on_transition(doc, "Dispatched", "Accepted", now=D(2025, 10, 9, 11))  # accepted again later
	assert doc.acknowledged_at == D(2025, 10, 9, 9)
	sla.on_transition(doc, "Accepted", "In Progress", now=D(2025, 10, 9, 10))
	assert doc.first_contact_at == D(2025, 10, 9, 10)
	sla.on_transition(doc, "Pending Approval", "Resolved", now=D(2025, 10, 13, 10))
	assert doc.resolved_at == D(2025, 10, 13, 10) and doc.sla_status == "Met"
	sla.on_transition(doc, "Resolved", "In Progress", now=D(2025, 10, 20, 10))  # Reopen
	assert doc.resolved_at is None
	assert clock.derive_status(doc, D(2025, 10, 20, 10)) == "Breached"
	sla.on_transition(doc, "Pending Approval", "Resolved", now=D(2025, 10, 21, 10))
	assert doc.sla_status == "Breached"
	sla.on_transition(doc, "Resolved", "Closed", now=D(2025, 10, 22, 10))
	assert doc.closed_at == D(2025, 10, 22, 10) and doc.sla_status == "Breached"


def test_not_accepted_settles_on_its_date(world):
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	doc.workflow_state = "Not Accepted"
	sla.on_transition(doc, "Registered", "Not Accepted", now=D(2025, 10, 9, 10))
	assert doc.closed_at == D(2025, 10, 9, 10) and doc.sla_status == "Met"


# -- pauses ------------------------------------------------------------------------------------


def in_progress(doc):
	doc.db_set("workflow_state", "In Progress")
	return doc


def test_pause_and_resume_add_the_paused_working_hours_back(world):
	doc = in_progress(complaint(world, received_at=D(2025, 9, 30, 10)))
	frappe.set_user(world.a.handler1)
	with frozen("2025-10-10 09:00:00"):
		sla.pause(doc.name, "等待患者补充病历资料")
	doc.reload()
	assert doc.sla_status == "Paused" and doc.paused_since == D(2025, 10, 10, 9)
	with frozen("2025-10-14 09:00:00"):  # Fri 9:00 → Tue 9:00: 7.5 + 7.5 (Sat 调休) + 7.5 working hours
		result = sla.resume(doc.name)
	doc.reload()
	assert doc.paused_hours == 22.5 and doc.paused_since is None
	assert doc.resolve_by == wc.add_working_hours(D(2025, 10, 14, 17, 30), 22.5)
	assert result["sla_status"] == doc.sla_status
	pauses = frappe.get_all("HSQ SLA Pause", filters={"complaint": doc.name}, fields=["*"])
	assert len(pauses) == 1 and pauses[0].paused_hours == 22.5 and pauses[0].paused_by == world.a.handler1
	comments = frappe.get_all(
		"Comment", filters={"reference_name": doc.name, "comment_type": "Info"}, pluck="content"
	)
	assert any("等待患者补充病历资料" in c for c in comments) and len(comments) == 2


def test_pause_needs_the_right_person_state_and_reason(world):
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	frappe.set_user(world.a.handler1)
	with pytest.raises(SLAPauseError):  # still Registered: nobody waits on the complainant yet
		sla.pause(doc.name, "等待")
	frappe.set_user("Administrator")
	in_progress(doc)
	for user in (world.b.handler1, world.a.handler2, world.a.agent):
		frappe.set_user(user)
		with pytest.raises(frappe.PermissionError):
			sla.pause(doc.name, "等待")
	frappe.set_user(world.a.officer)
	with pytest.raises(SLAPauseError):
		sla.pause(doc.name, "  ")
	sla.pause(doc.name, "等待患者回电")
	with pytest.raises(SLAPauseError):
		sla.pause(doc.name, "again")


def test_paused_complaint_is_not_breached_and_resolution_ends_the_pause(swept):
	world = swept.world
	doc = in_progress(complaint(world, received_at=D(2025, 9, 30, 10)))
	with frozen("2025-10-13 09:00:00"):
		sla.pause(doc.name, "等待")
	sla.sweep(now=D(2025, 11, 1))
	doc.reload()
	assert doc.sla_status == "Paused" and doc.escalation_level == 0
	sla.on_transition(doc, "Pending Approval", "Resolved", now=D(2025, 10, 14, 9))
	assert doc.paused_since is None and doc.paused_hours == 7.5
	assert doc.resolve_by == D(2025, 10, 15, 17, 30) and doc.sla_status == "Met"
	assert frappe.db.get_value("HSQ SLA Pause", {"complaint": doc.name}, "resumed_at")


# -- extensions --------------------------------------------------------------------------------


def decide(extension, method, note=None):
	"""What the extension form's Approve / Reject buttons call (HSQSLAExtension.approve / reject)."""
	return getattr(frappe.get_doc("HSQ SLA Extension", extension), method)(note)


def request_extension(complaint_name, days, reason="需多科室会诊"):
	return frappe.get_doc(
		{
			"doctype": "HSQ SLA Extension",
			"complaint": complaint_name,
			"requested_days": days,
			"reason": reason,
		}
	).insert()


def test_extension_requested_by_handler_approved_only_by_own_leader(world):
	doc = in_progress(complaint(world, channel="12345 Hotline", received_at=D(2025, 9, 30, 10)))
	frappe.set_user(world.a.handler1)
	ext = request_extension(doc.name, 3)
	assert ext.status == "Pending" and ext.institution == world.a.institution
	assert ext.requested_by == world.a.handler1
	for user in (world.a.handler1, world.a.head1, world.a.officer, world.b.leader):
		frappe.set_user(user)
		with pytest.raises(frappe.PermissionError):
			decide(ext.name, "approve")
	frappe.set_user(world.a.leader)
	result = decide(ext.name, "approve", "同意")
	assert result["status"] == "Approved"
	frappe.set_user("Administrator")
	doc.reload()
	ext.reload()
	assert doc.extension_days == 3
	assert doc.resolve_by == D(2025, 10, 17, 17, 30)  # 5 + 3 working days
	assert ext.approved_by == world.a.leader and ext.approved_at
	comments = frappe.get_all(
		"Comment", filters={"reference_name": doc.name, "comment_type": "Info"}, pluck="content"
	)
	assert any(ext.name in c and "2025-10-17" in c for c in comments)
	assert sum(ext.name in c for c in comments) == 2  # requested, approved
	with pytest.raises(ExtensionError):
		decide(ext.name, "approve")  # decided already


def test_extension_capped_by_policy_and_rejectable(world):
	doc = in_progress(complaint(world, channel="12345 Hotline", received_at=D(2025, 9, 30, 10)))
	frappe.set_user(world.a.handler1)
	with pytest.raises(ExtensionError):
		request_extension(doc.name, 11)  # the hotline allows 10
	with pytest.raises(ExtensionError):
		request_extension(doc.name, 0)
	ext = request_extension(doc.name, 4)
	with pytest.raises(ExtensionError):
		request_extension(doc.name, 1)  # one pending request at a time
	frappe.set_user(world.a.leader)
	decide(ext.name, "reject", "理由不充分")
	assert frappe.db.get_value("HSQ SLA Extension", ext.name, "status") == "Rejected"
	assert frappe.db.get_value("HSQ Complaint", doc.name, "extension_days") == 0
	frappe.set_user(world.a.handler1)
	ext = frappe.get_doc("HSQ SLA Extension", ext.name)
	ext.requested_days = 2
	with pytest.raises(frappe.PermissionError):
		ext.save()
	frappe.set_user("Administrator")
	with pytest.raises(ExtensionError):  # not even a system manager rewrites a request
		ext.save()
	# someone outside the complaint's department cannot ask
	frappe.set_user(world.a.handler2)
	with pytest.raises(frappe.PermissionError):
		request_extension(doc.name, 1)


# -- the sweep ---------------------------------------------------------------------------------


def logs_of(name):
	return frappe.get_all(
		"HSQ Escalation Log",
		filters={"complaint": name},
		fields=["level", "notify", "notified", "escalated_at"],
		order_by="level asc",
	)


def notified(name):
	return sorted(
		frappe.get_all(
			"Notification Log",
			filters={"document_name": name, "document_type": "HSQ Complaint"},
			pluck="for_user",
		)
	)


def test_sweep_marks_warning_then_breached(swept):
	world = swept.world
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	frappe.db.set_value("HSQ Complaint", doc.name, "sla_status", "On Track")
	sla.sweep(now=D(2025, 10, 9, 9))
	assert frappe.db.get_value("HSQ Complaint", doc.name, "sla_status") == "On Track"
	counts = sla.sweep(now=doc.warn_by)
	assert counts["warning"] >= 1
	assert frappe.db.get_value("HSQ Complaint", doc.name, "sla_status") == "Warning"
	counts = sla.sweep(now=D(2025, 10, 14, 17, 31))
	assert frappe.db.get_value("HSQ Complaint", doc.name, ["sla_status", "escalation_level"]) == (
		"Breached",
		1,
	)


def test_each_level_notified_exactly_once_in_order_however_often_the_sweep_runs(swept):
	world = swept.world
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	frappe.db.set_value("HSQ Complaint", doc.name, {"sla_status": "On Track"})
	cal = wc.get_calendar()
	due = doc.resolve_by
	people = {1: [world.a.head1], 2: [world.a.leader], 3: [world.a.admin]}
	minute = dt.timedelta(minutes=1)
	for level, hours, _notify in ESCALATION_CHAIN:
		moment = cal.add_working_hours(due, hours) + minute
		assert frappe.db.get_value("HSQ Complaint", doc.name, "escalation_level") == level - 1
		for _ in range(3):
			sla.sweep(now=moment - 2 * minute)  # not due yet
		assert frappe.db.get_value("HSQ Complaint", doc.name, "escalation_level") == level - 1
		for _ in range(3):
			sla.sweep(now=moment)
		assert frappe.db.get_value("HSQ Complaint", doc.name, "escalation_level") == level
		logs = logs_of(doc.name)
		assert [r.level for r in logs] == list(range(1, level + 1))
		if level in people:
			assert logs[-1].notified == people[level][0]
	for _ in range(3):
		sla.sweep(now=D(2026, 6, 1))
	logs = logs_of(doc.name)
	assert [(r.level, r.notify) for r in logs] == [(lvl, n) for lvl, _h, n in ESCALATION_CHAIN]
	assert [r.escalated_at for r in logs] == sorted(r.escalated_at for r in logs)
	assert world.bureau_admin in logs[-1].notified.split(", ")
	received = notified(doc.name)
	for user in (world.a.head1, world.a.leader, world.a.admin, world.bureau_admin):
		assert received.count(user) == 1, user


def test_missed_runs_catch_up_one_level_at_a_time(swept):
	world = swept.world
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	frappe.db.set_value("HSQ Complaint", doc.name, {"sla_status": "On Track"})
	counts = sla.sweep(now=D(2025, 11, 3, 9))  # the first run in weeks
	assert counts["escalated"] >= 4
	logs = logs_of(doc.name)
	assert [r.level for r in logs] == [1, 2, 3, 4]
	assert frappe.db.get_value("HSQ Complaint", doc.name, "escalation_level") == 4
	assert sla.sweep(now=D(2025, 11, 3, 9))["escalated"] == 0


def test_escalation_queues_one_digest_email_per_recipient(swept):
	world = swept.world
	started = frappe.utils.now_datetime()
	frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "hsq-sla-test",
			"email_id": "hsq-sla@example.com",
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"smtp_server": "localhost",
			"no_smtp_authentication": 1,
		}
	).insert()
	frappe.local.outgoing_email_account = {}
	try:
		first = complaint(world, received_at=D(2025, 9, 30, 10))
		second = complaint(world, received_at=D(2025, 9, 30, 11))
		started = frappe.utils.now_datetime()  # registering queued the officers' assignment mails
		counts = sla.sweep(now=D(2025, 10, 15, 9))  # level 1 only: the department head
		assert counts["notifications"] == 2
		[(method, job)] = [
			e for e in swept.enqueued if e[0].startswith("hsq_app.complaints.sla")
		]  # the digest job, run as the worker would after commit
		assert method == "hsq_app.complaints.sla.notify.send_escalation_emails"
		assert notify.send_escalation_emails(job["digests"]) == 1
		mails = frappe.get_all(
			"Email Queue", filters={"creation": (">=", started)}, fields=["name", "message"]
		)
		assert len(mails) == 1
		assert first.name in mails[0].message and second.name in mails[0].message
		head_email = frappe.db.get_value("User", world.a.head1, "email")
		assert frappe.get_all(
			"Email Queue Recipient", filters={"parent": mails[0].name}, pluck="recipient"
		) == [head_email]
	finally:
		frappe.local.outgoing_email_account = {}


def test_sweep_runs_on_frozen_time(swept):
	world = swept.world
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	frappe.db.set_value("HSQ Complaint", doc.name, {"sla_status": "On Track"})
	with frozen("2025-10-14 18:00:00"):
		sla.sweep()
	assert frappe.db.get_value("HSQ Complaint", doc.name, ["sla_status", "escalation_level"]) == (
		"Breached",
		1,
	)


def test_stopped_and_unassigned_complaints(swept):
	world = swept.world
	done = complaint(world, received_at=D(2025, 9, 30, 10))
	done.db_set({"workflow_state": "Resolved", "resolved_at": D(2025, 10, 10), "sla_status": "Met"})
	orphan = complaint(world, received_at=D(2025, 9, 30, 10), department=None)
	sla.sweep(now=D(2025, 10, 15, 9))
	assert frappe.db.get_value("HSQ Complaint", done.name, "sla_status") == "Met"
	assert not logs_of(done.name)
	# no department, so no department head: whoever registered it hears of the breach
	assert logs_of(orphan.name)[0].notified == "Administrator"


def test_escalation_log_is_unique_per_complaint_and_level(swept):
	world = swept.world
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	sla.sweep(now=D(2025, 10, 15, 9))
	with pytest.raises((frappe.DuplicateEntryError, frappe.UniqueValidationError)):
		frappe.get_doc(
			{
				"doctype": "HSQ Escalation Log",
				"complaint": doc.name,
				"level": 1,
				"escalated_at": D(2025, 10, 15, 9),
			}
		).insert()


def test_sweep_is_set_based(swept, monkeypatch):
	world = swept.world
	"""The number of statements does not grow with the number of complaints."""

	def statements(n):
		for _ in range(n):
			complaint(world, received_at=D(2025, 9, 30, 10))
		calls = []
		real_sql = frappe.db.sql
		monkeypatch.setattr(frappe.db, "sql", lambda *a, **k: calls.append(a[0]) or real_sql(*a, **k))
		sla.sweep(now=D(2025, 10, 15, 9))
		monkeypatch.setattr(frappe.db, "sql", real_sql)
		return len(calls)

	few = statements(2)
	frappe.db.rollback()
	many = statements(25)
	assert many <= few  # (warm caches may save a query or two the second time)


def test_a_run_that_breaches_and_escalates_counts_each_once(swept):
	"""A complaint that passes its deadline in this run is breached and lifted in one write: it
	counts once as breached, once per level escalated, and its head hears of it once."""
	world = swept.world
	moment = D(2025, 10, 15, 9)  # past the 10-14 17:30 deadline, under 7.5 working hours: level 1
	sla.sweep(now=moment)  # whatever else the site holds is settled first
	names = [complaint(world, received_at=D(2025, 9, 30, 10 + i)).name for i in range(2)]
	for name in names:
		frappe.db.set_value("HSQ Complaint", name, "sla_status", "On Track")
	counts = sla.sweep(now=moment)
	assert (counts["breached"], counts["warning"], counts["escalated"]) == (2, 0, 2)
	for name in names:
		assert frappe.db.get_value("HSQ Complaint", name, ["sla_status", "escalation_level"]) == (
			"Breached",
			1,
		)
		assert [(r.level, r.notified) for r in logs_of(name)] == [(1, world.a.head1)]
		assert notified(name) == [world.a.head1]
	assert sla.sweep(now=moment)["breached"] == 0


@pytest.mark.parametrize("failing", ["_lift", "_update_statuses", "notify"])
def test_a_sweep_that_fails_midway_leaves_nothing_and_the_next_escalates_once(swept, monkeypatch, failing):
	"""A run that dies after its log rows (or its lift, or its statuses) are written leaves no trace:
	the next run logs and notifies every level exactly once."""
	job = importlib.import_module("hsq_app.complaints.sla.sweep")  # (sla.sweep is the function)
	world = swept.world
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	frappe.db.set_value("HSQ Complaint", doc.name, "sla_status", "On Track")
	frappe.db.commit()

	def escalated_in_cells():
		return [
			frappe.db.sql(
				f"SELECT IFNULL(SUM(escalated), 0) FROM `tab{table}` WHERE institution = %s",
				world.a.institution,
			)[0][0]
			for table in (stats.DAY_STAT, stats.MONTH_STAT)
		]

	cells = escalated_in_cells()

	def crash(*args, **kwargs):
		raise RuntimeError("the worker died")

	real = getattr(job, failing)
	monkeypatch.setattr(job, failing, crash)
	with pytest.raises(RuntimeError):
		sla.sweep(now=D(2025, 11, 3, 9))  # levels 1-4 due at once
	frappe.db.rollback()  # a fresh snapshot
	assert frappe.db.get_value("HSQ Complaint", doc.name, ["sla_status", "escalation_level"]) == (
		"On Track",
		0,
	)
	assert not logs_of(doc.name) and not notified(doc.name)
	assert escalated_in_cells() == cells

	monkeypatch.setattr(job, failing, real)
	assert sla.sweep(now=D(2025, 11, 3, 9))["escalated"] >= 4  # the same connection: work tables anew
	assert [r.level for r in logs_of(doc.name)] == [1, 2, 3, 4]
	assert frappe.db.get_value("HSQ Complaint", doc.name, "escalation_level") == 4
	assert escalated_in_cells() == [n + 1 for n in cells]
	received = notified(doc.name)
	assert len(received) == len(set(received)) and world.a.head1 in received
	assert sla.sweep(now=D(2025, 11, 3, 9))["escalated"] == 0


def test_a_recipient_of_many_escalations_gets_one_digest_in_deadline_order(swept):
	world = swept.world
	moment = D(2025, 10, 15, 9)
	sla.sweep(now=moment)  # whatever else the site holds is settled first
	names = [
		complaint(world, received_at=D(2025, 9, 30, 8) + dt.timedelta(minutes=10 * i)).name
		for i in range(notify.DIGEST_OVER + 2)
	]
	for name in names:
		frappe.db.set_value("HSQ Complaint", name, "sla_status", "On Track")
	swept.enqueued.clear()
	counts = sla.sweep(now=moment)
	assert (counts["escalated"], counts["recipients"], counts["notifications"]) == (len(names), 1, 1)
	bells = frappe.get_all(
		"Notification Log",
		filters={"for_user": world.a.head1, "creation": (">=", moment)},
		fields=["subject", "document_name", "link"],
	)
	[bell] = [b for b in bells if not b.document_name]
	assert str(len(names)) in bell.subject and bell.link == notify.BOARD_ROUTE
	[(_method, job)] = [e for e in swept.enqueued if e[0].startswith("hsq_app.complaints.sla")]
	digest = job["digests"][world.a.head1]
	assert digest["count"] == len(names)
	# the first DIGEST_OVER + 1, earliest deadline first
	deadlines = dict(
		frappe.get_all(
			"HSQ Complaint", filters={"name": ("in", names)}, fields=["name", "resolve_by"], as_list=True
		)
	)
	expected = sorted(names, key=lambda n: (deadlines[n], n))[: notify.DIGEST_OVER + 1]
	assert [tuple(item) for item in digest["items"]] == [(n, 1, "Department Head") for n in expected]


def test_two_sweeps_in_parallel_escalate_nothing_twice(world, monkeypatch):
	"""Two sweeps on separate connections over committed data; cleaned up afterwards."""
	enqueued = []  # the email job a committing sweep enqueues: recorded, not left in the queue
	monkeypatch.setattr(frappe, "enqueue", lambda method, **kw: enqueued.append(method))
	started = frappe.utils.now_datetime()
	names = [complaint(world, received_at=D(2025, 3, 3, 10)).name for _ in range(4)]
	frappe.db.commit()  # the threads read committed data
	site, sites_path = frappe.local.site, frappe.local.sites_path
	barrier = threading.Barrier(2)
	results, errors = [], []

	def run():
		try:
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			frappe.set_user("Administrator")
			barrier.wait(timeout=30)
			results.append(sla.sweep(now=D(2025, 6, 2, 9)))
		except Exception as e:
			errors.append(e)
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=run) for _ in range(2)]
	try:
		for t in threads:
			t.start()
		for t in threads:
			t.join(timeout=120)
		frappe.db.rollback()  # a fresh snapshot
		assert not errors, errors
		assert len(results) == 2
		assert sorted(r.get("escalated", 0) for r in results)[0] == 0
		# one digest run (registering the complaints also enqueued assignment notifications)
		assert [m for m in enqueued if m.startswith("hsq_app.complaints.sla")] == [
			"hsq_app.complaints.sla.notify.send_escalation_emails"
		]
		for name in names:
			assert [r.level for r in logs_of(name)] == [1, 2, 3, 4]
			assert frappe.db.get_value("HSQ Complaint", name, "escalation_level") == 4
			received = notified(name)
			assert len(received) == len(set(received))
	finally:
		frappe.db.rollback()
		frappe.db.delete("Notification Log", {"document_name": ("in", names)})
		frappe.db.delete("HSQ Escalation Log", {"complaint": ("in", names)})
		frappe.db.delete("Comment", {"reference_name": ("in", names)})
		frappe.db.delete("HSQ Complaint", {"name": ("in", names)})
		stats.rebuild()  # the per-day complaint cells of the complaints deleted behind the app
		mails = frappe.get_all("Email Queue", filters={"creation": (">=", started)}, pluck="name")
		if mails:
			frappe.db.delete("Email Queue Recipient", {"parent": ("in", mails)})
			frappe.db.delete("Email Queue", {"name": ("in", mails)})
		frappe.db.commit()  # undo what this test committed


# -- desk --------------------------------------------------------------------------------------


def test_summary_and_time_left(world):
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	assert clock.time_left(doc, now=D(2025, 10, 14, 16, 30)) == 1.0
	assert clock.time_left(doc, now=D(2025, 10, 15, 9, 0)) == -1.0
	frappe.set_user(world.a.handler1)
	summary = sla.get_sla_summary(doc.name)
	assert summary["sla_status"] == "Breached" and summary["can_pause"]
	assert set(sla.get_time_left([doc.name])) == {doc.name}
	frappe.set_user(world.b.handler1)
	with pytest.raises(frappe.PermissionError):
		sla.get_sla_summary(doc.name)
	assert sla.get_time_left([doc.name]) == {}


# -- reports -----------------------------------------------------------------------------------


def run_report(name, **filters):
	from frappe.desk.query_report import run

	return run(name, filters=filters)


def test_compliance_report_counts_and_isolation(world):
	on_time = complaint(world, received_at=D(2025, 9, 30, 10))
	on_time.db_set({"workflow_state": "Resolved", "resolved_at": D(2025, 10, 10, 10)})
	late = complaint(world, received_at=D(2025, 9, 30, 10), department=world.a.dept2)
	late.db_set({"workflow_state": "Closed", "resolved_at": D(2025, 10, 20, 10)})
	complaint(world, received_at=D(2025, 9, 30, 10))  # open and overdue
	make_complaint(world.b.institution, department=world.b.dept1, received_at=D(2025, 9, 30, 10))
	period = {"from_date": "2025-01-01", "to_date": "2025-12-31"}

	frappe.set_user(world.a.officer)
	result = run_report("SLA Compliance", group_by="Institution", **period)["result"]
	assert [r["grp"] for r in result] == [world.a.institution]
	row = result[0]
	assert (row["total"], row["met"], row["late"], row["overdue"]) == (3, 1, 1, 1)
	assert row["compliance"] == 33.3
	months = run_report("SLA Compliance", group_by="Month", **period)["result"]
	assert [r["grp"] for r in months if r["total"]] == ["2025-09"]
	assert len(months) == 12  # every month of the period: a trend shows them all (issue 13)

	frappe.set_user(world.a.head1)  # a department head sees their department only
	result = run_report("SLA Compliance", group_by="Department", **period)["result"]
	assert [(r["grp"], r["total"]) for r in result] == [(world.a.dept1, 2)]

	frappe.set_user(world.bureau_admin)
	result = run_report("SLA Compliance", group_by="Institution", **period)["result"]
	assert {r["grp"] for r in result} == {world.a.institution, world.b.institution}

	frappe.set_user(world.a.handler1)
	with pytest.raises(frappe.PermissionError):
		run_report("SLA Compliance", group_by="Institution", **period)


def test_overdue_board_for_leaders(world):
	overdue = complaint(world, received_at=D(2025, 9, 30, 10))
	overdue.db_set({"workflow_state": "In Progress", "sla_status": "Breached"})
	make_complaint(world.b.institution, department=world.b.dept1, received_at=D(2025, 9, 30, 10))
	frappe.set_user(world.a.leader)
	report = run_report("SLA Overdue Board")
	names = [r["name"] for r in report["result"]]
	assert overdue.name in names
	assert {r["institution"] for r in report["result"]} == {world.a.institution}
	row = next(r for r in report["result"] if r["name"] == overdue.name)
	assert row["hours_left"] < 0
	cal = wc.get_calendar()
	if cal.covered_until < (frappe.utils.now_datetime() + dt.timedelta(days=60)).date():
		assert str(cal.covered_until.year) in (report.get("message") or "")


def test_sla_desk_speaks_chinese():
	from frappe import _

	frappe.local.lang = "zh"
	try:
		for doctype in ("HSQ SLA Extension", "HSQ SLA Pause", "HSQ Escalation Log"):
			assert _(doctype) != doctype
			for df in frappe.get_meta(doctype).fields:
				if df.label:
					assert _(df.label) != df.label, (doctype, df.label)
				if df.fieldtype == "Select":
					for option in filter(None, (df.options or "").split("\n")):
						assert _(option) != option, (doctype, option)
		assert _(frappe.get_meta("HSQ Complaint").get_label("warn_by")) == "预警时间"
		for name in (
			"SLA Compliance",
			"SLA Overdue Board",
			"Provisional SLA Deadlines",
			"Overdue Complaints",
		):
			assert _(name) != name
		assert (
			_("SLA clock paused, waiting on the complainant: {0}").format("x") == "已暂停计时，等待投诉人：x"
		)
	finally:
		frappe.local.lang = "en"


def test_desk_records_are_installed():
	for report in ("SLA Compliance", "SLA Overdue Board"):
		assert frappe.db.get_value("Report", report, "report_type") == "Script Report"
	for card in ("Provisional SLA Deadlines", "Overdue Complaints"):
		assert frappe.db.exists("Number Card", card)
	assert "hsq_app.complaints.sla.sweep" in frappe.get_hooks("scheduler_events")["cron"]["*/5 * * * *"]


def test_inspector_opening_a_form_gets_no_permission_popup(world):
	"""The SLA indicator asks whether the user may pause; asking must not show an error to readers."""
	doc = complaint(world, received_at=D(2025, 9, 30, 10))
	frappe.set_user(world.inspector)
	frappe.local.message_log = []
	summary = sla.get_sla_summary(doc.name)
	assert summary["can_pause"] is False
	assert frappe.local.message_log == []

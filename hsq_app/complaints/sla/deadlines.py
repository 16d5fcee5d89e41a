"""The SLA clock applied to an HSQ Complaint: the controller calls :func:`on_validate` on every
save and :func:`on_transition` whenever the workflow moves it; pauses, extensions and calendar
edits write the recomputed clock through :func:`save_clock` / :func:`recompute_open_deadlines`."""

from __future__ import annotations

import frappe

from hsq_app.complaints import workflow as wf
from hsq_app.complaints.sla.clock import (
	DEADLINE_FIELDS,
	DEADLINE_INPUTS,
	SLA_OWNED,
	STOPPED_STATES,
	compute_deadlines,
	derive_status,
)
from hsq_app.complaints.sla.policy import match_policy
from hsq_app.utils.clock import now as clock_now
from hsq_app.utils.diff import changed_fields


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


def on_validate(doc) -> None:
	"""Called from HSQ Complaint.validate on every save.

	Recomputes the deadlines when something they depend on changed (or they are missing), keeps
	the fields only the clock's doors change as they are in the database, and refreshes the status.
	"""
	before = doc.get_doc_before_save()
	clock_changed = doc.flags.hsq_sla_clock_changed  # on_transition ended a pause on this doc
	if before is None:
		for field in SLA_OWNED:
			doc.set(field, None if field == "paused_since" else 0)
	elif not clock_changed:
		for field in SLA_OWNED:
			doc.set(field, before.get(field))
	if (
		before is None
		or not before.resolve_by
		or clock_changed
		or changed_fields(doc, before, DEADLINE_INPUTS)
	):
		apply_deadlines(doc)
		return
	for field in DEADLINE_FIELDS:
		doc.set(field, before.get(field))
	doc.sla_status = derive_status(doc)


def on_transition(doc, from_state: str | None, to_state: str, now=None) -> None:
	"""Stamp acknowledged_at / first_contact_at / resolved_at / closed_at and settle sla_status
	as the workflow moves (fields set on ``doc``; the caller saves)."""
	now = clock_now(now)
	if doc.paused_since and to_state in STOPPED_STATES:
		from hsq_app.complaints.doctype.hsq_sla_pause.hsq_sla_pause import end_pause

		end_pause(doc, now)
		doc.flags.hsq_sla_clock_changed = True
		apply_deadlines(doc, now)
	if to_state == wf.ACCEPTED and not doc.acknowledged_at:
		doc.acknowledged_at = now
	elif to_state == wf.IN_PROGRESS:
		if from_state == wf.RESOLVED:  # Reopen: the complainant is dissatisfied, the clock runs again
			doc.resolved_at = None
			doc.closed_at = None
		elif from_state == wf.ACCEPTED and not doc.first_contact_at:
			doc.first_contact_at = now
	elif to_state == wf.RESOLVED:
		doc.resolved_at = now
	elif to_state == wf.CLOSED:
		doc.closed_at = now
		doc.resolved_at = doc.resolved_at or now
	elif to_state == wf.NOT_ACCEPTED:
		doc.closed_at = now
	doc.sla_status = derive_status(doc, now)


def save_clock(doc, now=None) -> None:
	"""Write the recomputed SLA fields of ``doc`` (no form save: the clock is not the content)."""
	apply_deadlines(doc, now)
	values = {f: doc.get(f) for f in (*DEADLINE_FIELDS, *SLA_OWNED, "sla_status")}
	doc.db_set(values, notify=True)


def open_condition(C):
	"""frappe.qb condition: the complaint's clock is running."""
	return (
		(C.workflow_state.isnull() | C.workflow_state.notin(STOPPED_STATES))
		& C.resolved_at.isnull()
		& C.paused_since.isnull()
	)


def on_calendar_change(calendar: str) -> None:
	"""A work calendar was saved: provisional deadlines may now be exact (recomputed in the background)."""
	if calendar != frappe.db.get_single_value("HSQ Settings", "default_work_calendar"):
		return
	if frappe.flags.in_install or frappe.flags.in_migrate:
		return
	frappe.enqueue(
		"hsq_app.complaints.sla.deadlines.recompute_open_deadlines",
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
	query = frappe.qb.from_(C).select(*[C[f] for f in fields]).where(open_condition(C))
	if provisional_only:
		query = query.where(C.deadline_is_provisional == 1)
	changed = []
	for row in query.run(as_dict=True):
		doc = frappe._dict(row)
		apply_deadlines(doc, now)
		values = {f: doc[f] for f in (*DEADLINE_FIELDS, "sla_status") if doc[f] != row[f]}
		if values:
			frappe.db.set_value("HSQ Complaint", row["name"], values, update_modified=False)
			changed.append(row["name"])
	if changed:  # a deadline moved: the open complaints' cells are keyed by it
		from hsq_app.complaints import stats

		stats.complaints_changed(changed)
	return len(changed)


def check_clock_user(complaint, message: str) -> None:
	"""Only someone working the complaint (write access and a clock role) moves its clock."""
	from hsq_app.complaints.sla.clock import CLOCK_ROLES

	complaint.check_permission("write")
	if not set(frappe.get_roles()) & {*CLOCK_ROLES, "System Manager"}:
		frappe.throw(message, frappe.PermissionError)

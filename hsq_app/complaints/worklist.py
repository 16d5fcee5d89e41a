"""What follows a complaint's registration by the machine doors, off the request: its repeat
marks, the officers' worklist (ToDo) and the registration SMS to the complainant.

A complaint from the intake API (12345, 信访) or the public page is answered as soon as it is
stored (``doc.flags.hsq_register_later``); a ``short`` job enqueued after the commit, one per
complaint (job id ``hsq-worklist::<name>``, deduplicated), then marks it a repeat of earlier
reports of the same matter (hsq_app.complaints.repeats), puts it into the worklist of the
institution's quality officers and queues the registration SMS. Frappe's ``assign_to.add``
(the ToDo, its share and follow, the "assigned" comment, ``_assign``, the notification), the SMS
log and the repeat check (up to 200 earlier texts compared) were most of an intake request's time
(benchmarks/README.md, issue 14). The desk's own registration and every workflow action keep
doing all of it in the request.

Every step is idempotent (a retried job, or :func:`catch_up`, changes nothing the second time).
A complaint whose job never ran (Redis down at the commit, a worker killed) is caught by
:func:`catch_up` from the scheduler: registered complaints of the last days with no open ToDo.
"""

from __future__ import annotations

import frappe
from frappe.utils import add_to_date, now_datetime

from hsq_app.complaints import complainant_sms, repeats, routing
from hsq_app.complaints import workflow as wf
from hsq_app.messaging.sms import LOG as SMS_LOG

JOB = "hsq_app.complaints.worklist.assign"
CATCH_UP_DAYS = 3


def job_id(name: str) -> str:
	return f"hsq-worklist::{name}"


def defer(doc) -> None:
	"""After the transaction commits: the job for the new complaint (one per complaint)."""
	name = doc.name
	frappe.db.after_commit.add(lambda: enqueue(name))


def enqueue(name: str) -> None:
	"""Queue the job (deduplicated on its id). The complaint is already stored: a Redis that
	cannot take the job must not turn the caller's answer into an error (catch_up makes up)."""
	try:
		frappe.enqueue(JOB, queue="short", job_id=job_id(name), deduplicate=True, complaint=name)
	except Exception as e:  # after the commit: a log line, not a database row (no transaction left)
		frappe.logger("hsq").warning(f"worklist job for {name} not queued ({e}); catch_up takes it")


def assign(complaint: str) -> None:
	"""The job: the complaint's repeat marks, its open ToDos on exactly the people who must act in
	its current state (a workflow action taken meanwhile has already done the same), and its
	registration SMS."""
	if not frappe.db.exists("HSQ Complaint", complaint):
		return
	doc = frappe.get_doc("HSQ Complaint", complaint)
	repeats.mark_stored(doc)
	routing.reassign(doc)
	sent = frappe.db.exists(
		SMS_LOG,
		{
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"template": complainant_sms.REGISTERED,
		},
	)
	if not sent:
		complainant_sms.notify(doc, complainant_sms.REGISTERED)


def catch_up() -> int:
	"""Registered complaints of the last days still without an open ToDo get their job's work now
	(scheduler, hourly)."""
	since = add_to_date(now_datetime(), days=-CATCH_UP_DAYS)
	names = frappe.db.sql(
		"""select c.name from `tabHSQ Complaint` c
		where c.creation >= %(since)s and c.workflow_state = %(state)s
		and not exists (select 1 from `tabToDo` t where t.reference_type = 'HSQ Complaint'
			and t.reference_name = c.name and t.status = 'Open')""",
		{"since": since, "state": wf.REGISTERED},
		pluck=True,
	)
	for name in names:
		assign(name)
	return len(names)

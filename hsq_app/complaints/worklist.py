"""What follows a complaint's registration by the machine doors, off the request: its repeat
marks, the officers' worklist (ToDo) and the registration SMS to the complainant.

A complaint from the intake API (12345, 信访) or the public page is answered as soon as it is
stored (``doc.flags.hsq_register_later``). After the commit its name joins a Redis set of waiting
complaints, and a ``short`` job for the current second (job id ``hsq-worklist::<second>``,
deduplicated) waits for that second to end and takes every waiting complaint: it marks each a
repeat of earlier reports of the same matter (hsq_app.complaints.repeats), counts it in the
report cells (hsq_app.complaints.stats), puts it into the worklist of the institution's quality officers and queues the registration SMS. One job a second,
not one a complaint: an RQ worker forks a process and connects to the database for every job,
which cost more than the work itself when a platform sends dozens of complaints a second
(benchmarks/README.md). Frappe's ``assign_to.add``
(the ToDo, its share and follow, the "assigned" comment, ``_assign``, the notification), the SMS
log and the repeat check (up to 200 earlier texts compared) were most of an intake request's time
(benchmarks/README.md, issue 14). The desk's own registration and every workflow action keep
doing all of it in the request.

Every step is idempotent (a retried job, or :func:`catch_up`, changes nothing the second time).
A complaint whose job never ran (Redis down at the commit, a worker killed) is caught by
:func:`catch_up` from the scheduler: registered complaints of the last days with no open ToDo.
"""

from __future__ import annotations

import time

import frappe
from frappe.utils import add_to_date, now_datetime

from hsq_app.complaints import complainant_sms, registration, repeats, routing, stats
from hsq_app.complaints import workflow as wf
from hsq_app.messaging.sms import LOG as SMS_LOG
from hsq_app.utils.isolation import read_committed

JOB = "hsq_app.complaints.worklist.drain"
WAITING = "hsq_worklist_waiting"  # Redis set of the complaints whose job has not taken them yet
BATCH_SECONDS = 1
MARGIN_SECONDS = 0.3  # a name added at the very end of a second is in the set before its job looks
BATCH_LIMIT = 500  # complaints a job takes; a longer burst's rest is taken by its later seconds' jobs
CHUNK = 100  # complaints registered in one transaction (register)
CATCH_UP_DAYS = 3


def job_id(bucket: int) -> str:
	return f"hsq-worklist::{bucket}"


def defer(doc) -> None:
	"""After the transaction commits: the job for the new complaint (one per complaint)."""
	name = doc.name
	frappe.db.after_commit.add(lambda: enqueue(name))


_queued: dict[str, int] = {}  # site: the second whose job this process has queued last


def enqueue(name: str) -> None:
	"""Add the complaint to the waiting set and queue this second's job (deduplicated on its id:
	a job of this second, queued or waiting for the second to end, takes it). A process that has
	queued this second's job already does not ask again: Frappe's deduplication reads the job back
	from Redis on every call (a third of a millisecond of an intake request's CPU), and that job
	takes every complaint waiting when its second is over, this one included (it was added before
	the second was read). The complaint is already stored: a Redis that cannot take either must
	not turn the caller's answer into an error (catch_up makes up)."""
	try:
		frappe.cache.sadd(WAITING, name)
		bucket = int(time.time()) // BATCH_SECONDS
		site = frappe.local.site
		if _queued.get(site) == bucket:
			return
		frappe.enqueue(JOB, queue="short", job_id=job_id(bucket), deduplicate=True, bucket=bucket)
		_queued[site] = bucket
	except Exception as e:  # after the commit: a log line, not a database row (no transaction left)
		frappe.logger("hsq").warning(f"worklist job for {name} not queued ({e}); catch_up takes it")


def drain(bucket: int | None = None) -> int:
	"""The job: when its second is over, every waiting complaint's work: the fresh ones together
	(:func:`register`, a transaction per ``CHUNK``), any other one by :func:`assign`, committed on
	its own. A complaint whose work fails is logged and left to :func:`catch_up`."""
	if bucket is not None:
		wait = (bucket + 1) * BATCH_SECONDS + MARGIN_SECONDS - time.time()
		if wait > 0:
			time.sleep(min(wait, BATCH_SECONDS + MARGIN_SECONDS))
	waiting = []
	while len(waiting) < BATCH_LIMIT and (name := frappe.cache.spop(WAITING)):
		waiting.append(frappe.safe_decode(name))
	# READ COMMITTED: the chunk's locking read holds its complaints, not the gap every new
	# complaint goes into, whatever plan MariaDB picks (an intake request inserting one meanwhile
	# was a deadlock's victim), and the ToDo check reads what the desks have committed
	with read_committed():
		return _drain(waiting)


def _drain(waiting: list[str]) -> int:
	done = []
	for start in range(0, len(waiting), CHUNK):
		chunk = waiting[start : start + CHUNK]
		try:
			registered = _register_retrying(chunk)
		except Exception:  # the chunk's complaints one by one, the way catch_up does
			frappe.db.rollback()
			frappe.log_error(title="worklist: a second's complaints taken one by one")
			frappe.db.commit()
			registered = []
		done += registered
		registered = set(registered)
		for name in chunk:
			if name in registered:
				continue
			try:
				_assign_retrying(name)
				done.append(name)
			except Exception:
				frappe.db.rollback()
				frappe.log_error(
					title=f"worklist: {name} (catch_up retries it)",
					reference_doctype="HSQ Complaint",
					reference_name=name,
				)
				frappe.db.commit()
	# their report cells, once for the whole second (a day's cells recomputed once, not once a
	# complaint), from what is committed: the desks' saves meanwhile are not locked out. During a
	# burst (complaints waiting for a later job) every few seconds; a job with nothing of its own
	# still takes what earlier jobs put off
	stats.recount_soon(stats.keys_of(done) if done else set(), burst=_more_waiting())
	return len(done)


def _more_waiting() -> bool:
	"""Whether complaints wait for a later job (which will recount the cells put off now)."""
	try:
		return bool(frappe.cache.scard(frappe.cache.make_key(WAITING)))
	except Exception:
		return False


def _register_retrying(names: list[str], attempts: int = 3) -> list[str]:
	"""register and commit; a deadlock with the requests meanwhile is retried."""
	for attempt in range(attempts):
		try:
			registered = register(names)
			frappe.db.commit()
			return registered
		except Exception as e:
			frappe.db.rollback()
			if attempt + 1 == attempts or not (frappe.db.is_deadlocked(e) or frappe.db.is_timedout(e)):
				raise
			time.sleep(0.05 * (attempt + 1))
	return []


def _assign_retrying(name: str, attempts: int = 3) -> None:
	"""assign and commit; a deadlock with the requests adding complaints meanwhile is retried."""
	for attempt in range(attempts):
		try:
			assign(name, cells=False)
			frappe.db.commit()
			return
		except Exception as e:
			frappe.db.rollback()
			if attempt + 1 == attempts or not (frappe.db.is_deadlocked(e) or frappe.db.is_timedout(e)):
				raise
			time.sleep(0.05 * (attempt + 1))


def assign(complaint: str, cells: bool = True) -> None:
	"""One complaint's work (and the job of versions that queued one per complaint): its repeat marks, its open ToDos on exactly the people who must act in
	its current state (a workflow action taken meanwhile has already done the same), and its
	registration SMS."""
	if not frappe.db.exists("HSQ Complaint", complaint):
		return
	doc = frappe.get_doc("HSQ Complaint", complaint)
	if cells:  # its report cells (not counted in the request; drain counts a second's at once)
		stats.complaints_changed([doc.name])
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


def register(names: list[str]) -> list[str]:
	"""The work of :func:`assign` for freshly registered complaints, set-based (see
	hsq_app.complaints.registration); returns the names done. The others (gone, already acted on or
	assigned) are left to :func:`assign`."""
	return registration.register(names)


def catch_up() -> int:
	"""Registered complaints of the last days still without an open ToDo get their job's work now
	(scheduler, hourly): those whose job never ran, waiting in the set or not."""
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

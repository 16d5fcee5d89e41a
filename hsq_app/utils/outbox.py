"""An outbox: rows of a log DocType that a background job sends, retried with growing pauses.

One owner for the loop that text messages (``messaging.sms``) and platform deliveries
(``complaints.platform.delivery``) share. Each keeps its own log DocType, its own sender and its
own pauses in an :class:`Outbox`; this module does the rest:

- ``enqueue`` queues one row's attempt after the transaction commits (tests: at once);
- ``attempt`` locks the row, calls the sender once and records the outcome: the done status, or
  ``Retrying`` with the next attempt's time, or ``Failed`` after the last attempt;
- ``retry_due`` (a scheduled job) queues every row whose pause is over;
- a sender that cannot work yet (no gateway or URL configured) raises :class:`Hold`: the row waits
  as ``Held`` without using up an attempt, and ``release_held`` queues it again once the admin has
  configured the sender (older rows than the outbox's ``hold_hours`` end ``Failed`` instead);
- ``enqueue_many`` queues one job for many rows; where the outbox can tell that nothing can be sent
  now (its ``unready``), that job holds them all in one statement instead of trying each.

A row has the fields ``status`` (Queued, Retrying, Failed and the done status), ``attempts``,
``next_attempt_at`` and ``last_error``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from hsq_app.utils.bulk import clear_cached_docs, set_values

PENDING = ("Queued", "Retrying")


class SendError(Exception):
	"""The receiver did not take it (worth another try later); ``values`` are kept on the row."""

	def __init__(self, message: str, **values):
		super().__init__(message)
		self.values = values


class Hold(Exception):
	"""The sender is not configured: keep the row until it is (no attempt used)."""


@dataclass(frozen=True)
class Outbox:
	doctype: str
	job: str  # dotted path of the function the background job calls with ``arg``
	arg: str  # the name of that function's parameter taking the row's name
	pauses: tuple[int, ...]  # minutes before the 2nd, 3rd … attempt; attempts = len(pauses) + 1
	done: tuple[str, str]  # the status of a row that got through, and the field stamped with when
	hold_hours: int | None = None  # a held row older than this is not sent any more (None: always)
	# dotted path of a function saying why no row can be sent now (its sender not configured), or
	# None when rows can go: a job of many rows (attempt_many) asks it once and, when nothing can
	# go, holds them all as each attempt's Hold would, in one statement
	unready: str | None = None

	@property
	def max_attempts(self) -> int:
		return len(self.pauses) + 1


def enqueue(box: Outbox, name: str) -> None:
	frappe.enqueue(
		box.job,
		queue="short",
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
		**{box.arg: name},
	)


def enqueue_many(box: Outbox, names: list[str]) -> None:
	"""One job for many rows' attempts, after the transaction commits (tests: at once)."""
	if names:
		frappe.enqueue(
			"hsq_app.utils.outbox.attempt_many",
			queue="short",
			enqueue_after_commit=True,
			now=bool(frappe.flags.in_test),
			job=box.job,
			arg=box.arg,
			names=list(names),
			doctype=box.doctype,
			unready=box.unready,
		)


def attempt_many(
	job: str, arg: str, names: list[str], doctype: str | None = None, unready: str | None = None
) -> None:
	"""The job of :func:`enqueue_many`: each row's attempt committed on its own; one that fails
	is logged and left to its outbox's retries. Where the outbox's ``unready`` says nothing can be
	sent now, every pending row of ``names`` is held in one statement (a burst of registration texts
	on a site without an SMS gateway: five statements and a commit a message before)."""
	for path in (job, unready):
		if path and not path.startswith("hsq_app."):
			raise frappe.PermissionError(path)
	if doctype and unready and (why := frappe.get_attr(unready)()):
		hold(doctype, names, why)
		frappe.db.commit()
		return
	send = frappe.get_attr(job)
	for name in names:
		try:
			send(**{arg: name})
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=f"outbox: {name} not attempted", reference_name=name)
			frappe.db.commit()


def hold(doctype: str, names: list[str], why: str) -> None:
	"""The rows of ``names`` still pending wait as ``Held``, no attempt used (what each one's
	attempt records on :class:`Hold`), in one UPDATE per thousand rows."""
	for start in range(0, len(names), 1000):
		chunk = list(names[start : start + 1000])
		frappe.db.sql(
			f"""update `tab{doctype}` set `status` = 'Held', `next_attempt_at` = NULL, `last_error` = %s
			where `name` in %s and `status` in %s""",
			(str(why)[:500], chunk, PENDING),
		)
		clear_cached_docs(doctype, chunk)
	frappe.db.value_cache.pop(doctype, None)


def attempt(box: Outbox, name: str, fields: list[str], send: Callable[[frappe._dict], dict | None]) -> str:
	"""One attempt of one row (the background job); returns the row's new status.

	``send(row)`` gets the row with ``fields`` read under a lock; it returns values to keep on the row
	when it got through, and raises :class:`SendError` when it did not."""
	# plain SQL: Frappe's query engine runs sqlparse over each field named, a millisecond of CPU
	# per read, and a registration job's burst delivers a message per complaint
	columns = ", ".join(f"`{f}`" for f in ("name", "status", "attempts", *fields))
	row = next(
		iter(
			frappe.db.sql(
				f"select {columns} from `tab{box.doctype}` where name = %s for update", (name,), as_dict=True
			)
		),
		None,
	)
	if not row or row.status not in PENDING:
		return row.status if row else "Missing"
	attempts = cint(row.attempts) + 1
	values: dict = {"attempts": attempts}
	try:
		kept = send(row) or {}
	except Hold as e:
		values = {"status": "Held", "next_attempt_at": None, "last_error": str(e)[:500]}
		set_values(box.doctype, name, values)
		return "Held"
	except SendError as e:
		values.update(e.values, last_error=str(e)[:500])
		if attempts >= box.max_attempts:
			values.update(status="Failed", next_attempt_at=None)
		else:
			pause = box.pauses[min(attempts, len(box.pauses)) - 1]
			values.update(status="Retrying", next_attempt_at=now_datetime() + timedelta(minutes=pause))
	else:
		status, stamp = box.done
		values.update(kept, status=status, next_attempt_at=None, last_error=None)
		values[stamp] = now_datetime()
	set_values(box.doctype, name, values)
	return values["status"]


def retry_due(box: Outbox, now=None) -> int:
	"""Another attempt for every row whose pause is over (oldest first); returns how many."""
	due = frappe.get_all(
		box.doctype,
		filters={"status": "Retrying", "next_attempt_at": ("<=", now or now_datetime())},
		pluck="name",
		order_by="next_attempt_at asc",
		limit=500,
	)
	for name in due:
		enqueue(box, name)  # in tests enqueue runs the attempt at once
	return len(due)


def release_held(box: Outbox, filters: dict | None = None) -> int:
	"""Queue again the rows held while the sender was not configured; returns how many."""
	held = frappe.get_all(
		box.doctype,
		filters={**(filters or {}), "status": "Held"},
		fields=["name", "creation"],
		order_by="creation asc",
		limit=5000,
	)
	too_old = box.hold_hours and now_datetime() - timedelta(hours=box.hold_hours)
	for row in held:
		if too_old and row.creation < too_old:
			frappe.db.set_value(
				box.doctype,
				row.name,
				{"status": "Failed", "last_error": _("Held too long while sending was not configured")},
				update_modified=False,
			)
			continue
		frappe.db.set_value(box.doctype, row.name, "status", "Queued", update_modified=False)
		enqueue(box, row.name)
	return len(held)

"""The scheduled SLA job (every five minutes): moves open complaints to Warning / Breached and
escalates breached ones one level at a time (HSQ SLA Escalation Rule rows), with set-based SQL over
indexed columns, then hands the new escalations to :mod:`hsq_app.complaints.sla.notify`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import frappe

from hsq_app.complaints import stats as complaint_stats
from hsq_app.complaints.sla.clock import STOPPED_STATES
from hsq_app.complaints.sla.notify import DIGEST_OVER, Recipients, notify
from hsq_app.complaints.sla.policy import get_policies
from hsq_app.utils.bulk import CHUNK, affected_rows, insert_rows
from hsq_app.utils.clock import now as clock_now
from hsq_app.utils.work_calendar import get_calendar

# composite indexes on HSQ Complaint the sweep ranges over (created by sla.defaults.ensure_complaint_indexes)
STATUS_DEADLINE_INDEX = "sla_status_resolve_by_index"
STATUS_WARN_INDEX = "sla_status_warn_by_index"
STATUS_LEVEL_INDEX = "sla_status_escalation_level_index"
LOCK_WAIT_SECONDS = 30

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


def sweep(now=None) -> dict:
	"""The scheduled SLA job: set sla_status, escalate, write HSQ Escalation Log rows, notify.

	Safe to run twice or concurrently: one sweep per site at a time (a MariaDB named lock held
	until its commit), candidate rows read with locking reads, and a unique (complaint, level)
	index under HSQ Escalation Log. The job owns its transaction: it commits what came before
	(so it sees what an earlier sweep committed) and commits its own work before unlocking.
	"""
	now = clock_now(now)
	lock = f"hsq_sla_sweep:{frappe.conf.db_name}"
	# the job's own transaction reads committed: its range scans then lock the rows they
	# touch, not the gaps between them (sweeps are serialised by the named lock anyway)
	isolation = frappe.db.sql("SELECT @@SESSION.tx_isolation")[0][0]
	frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
	frappe.db.commit()  # batch job: start afresh
	if not frappe.db.sql("SELECT GET_LOCK(%s, %s)", (lock, LOCK_WAIT_SECONDS))[0][0]:
		_restore_isolation(isolation)
		return {"skipped": 1}
	try:
		counts = _update_statuses(now)
		escalated, digests = _escalate(now)
		counts["escalated"] = escalated
		counts["notifications"] = notify(digests, now)
		counts["recipients"] = len(digests)
		if digests:
			# email digests are composed in the background, once this sweep is committed
			frappe.enqueue(
				"hsq_app.complaints.sla.notify.send_escalation_emails",
				queue="short",
				enqueue_after_commit=True,
				digests={
					user: {"count": d["count"], "items": d["items"][:50]} for user, d in digests.items()
				},
			)
		_restore_isolation(isolation)
		frappe.db.commit()  # batch job: make statuses, logs and notifications durable before unlocking
	except Exception:
		_restore_isolation(isolation)
		frappe.db.rollback()
		raise
	finally:
		frappe.db.sql("SELECT RELEASE_LOCK(%s)", (lock,))
	return counts


def _restore_isolation(isolation: str) -> None:
	frappe.db.sql(f"SET SESSION TRANSACTION ISOLATION LEVEL {isolation.replace('-', ' ')}")


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
	breached = affected_rows()
	frappe.db.sql(
		f"""UPDATE `tabHSQ Complaint` c FORCE INDEX (`{STATUS_WARN_INDEX}`)
		SET c.sla_status = 'Warning'
		WHERE c.sla_status = 'On Track' AND c.warn_by <= %(now)s AND c.resolve_by >= %(now)s AND {OPEN_SQL}""",
		values,
	)
	return {"breached": breached, "warning": affected_rows()}


def _escalate(now: dt.datetime) -> tuple[int, dict]:
	"""Raise escalation_level one rule at a time; one log row per (complaint, level), in order.

	Per policy, one locking read finds the breached complaints with a level now due; each gets a
	log row for every level it passed (a complaint that missed runs climbs several levels in one
	sweep, one row per level, lowest first), then one UPDATE per level lifts them to the highest
	level due. Returns (log rows written, digests by recipient).
	"""
	cal = get_calendar()
	recipients = Recipients()
	digests = defaultdict(lambda: {"count": 0, "items": []})  # user -> escalations this sweep
	logs = 0
	for policy in get_policies():
		cutoffs = [(rule, cal.subtract_working_hours(now, rule.after_hours)) for rule in policy.escalations]
		if not cutoffs:
			continue
		rows = _due(policy.name, cutoffs)
		if not rows:
			continue
		batch = []
		for row in rows:
			for rule, _cutoff in cutoffs:
				if row.escalation_level < rule.level <= row.target:
					users = recipients.of(rule.notify, row)
					_add_to_digests(digests, users, (row.name, rule.level, rule.notify))
					batch.append(_log_row(row, rule, users, now))
		batch.sort()  # primary-key order: appends to the clustered index instead of splitting pages
		logs += insert_rows("HSQ Escalation Log", LOG_COLUMNS, batch, ignore_duplicates=True)
		# the per-day complaint cells count the escalated: level 0 -> above, before the lift
		complaint_stats.escalating([row for row in rows if not row.escalation_level and row.target])
		_lift(rows)
	return logs, digests


def _next_rule(cutoffs: list, level: int) -> int:
	"""Index of the first rule above ``level``."""
	return next(i for i, (rule, _cutoff) in enumerate(cutoffs) if rule.level > level)


def _due(policy: str, cutoffs: list) -> list:
	"""The policy's breached complaints with a level now due, locked (raw SQL: index hints and
	locking reads are beyond frappe.qb).

	Due: a complaint at level v whose deadline is past the cutoff of the next rule above v. One
	(sla_status, escalation_level, resolve_by) index range per level, so complaints waiting for
	their next level are not read and a sweep with nothing due reads no rows. ``target`` is the
	highest level now due (cutoffs fall as levels rise)."""
	values = {f"cutoff{i}": cutoff for i, (_rule, cutoff) in enumerate(cutoffs)}
	values.update(policy=policy, stopped=STOPPED_STATES)
	due = " OR ".join(
		f"(c.escalation_level = {level} AND c.resolve_by <= %(cutoff{_next_rule(cutoffs, level)})s)"
		for level in range(cutoffs[-1][0].level)
	)
	case = " ".join(
		f"WHEN c.resolve_by <= %(cutoff{i})s THEN {rule.level}"
		for i, (rule, _cutoff) in reversed(list(enumerate(cutoffs)))
	)
	return frappe.db.sql(
		f"""SELECT c.name, c.institution, c.department, c.registered_by, c.escalation_level,
			c.channel, c.received_at, c.resolve_by,
			CASE {case} ELSE 0 END AS target
		FROM `tabHSQ Complaint` c FORCE INDEX (`{STATUS_LEVEL_INDEX}`)
		WHERE c.sla_status = 'Breached' AND ({due}) AND c.sla_policy = %(policy)s AND {OPEN_SQL}
		FOR UPDATE""",
		values,
		as_dict=True,
	)


def _add_to_digests(digests: dict, users: list[str], item: tuple) -> None:
	for user in users:
		digest = digests[user]
		digest["count"] += 1
		if len(digest["items"]) <= DIGEST_OVER:
			digest["items"].append(item)


def _log_row(row, rule, users: list[str], now) -> tuple:
	"""An HSQ Escalation Log row in LOG_COLUMNS order, named <complaint>-L<level>."""
	return (
		f"{row.name}-L{rule.level}",
		now,
		now,
		"Administrator",
		"Administrator",
		0,
		0,
		row.name,
		rule.level,
		now,
		row.institution or "",
		rule.notify,
		", ".join(users),
	)


def _lift(rows: list) -> None:
	"""Lift each complaint read above (and locked) to the highest level now due."""
	by_level = defaultdict(list)
	for row in rows:
		by_level[row.target].append(row.name)
	for level, names in by_level.items():
		for start in range(0, len(names), CHUNK):
			frappe.db.sql(
				"UPDATE `tabHSQ Complaint` SET escalation_level = %(level)s WHERE name IN %(names)s",
				{"level": level, "names": tuple(names[start : start + CHUNK])},
			)

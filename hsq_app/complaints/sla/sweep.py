"""The scheduled SLA job (every five minutes): moves open complaints to Warning / Breached and
escalates breached ones one level at a time (HSQ SLA Escalation Rule rows), with set-based SQL over
indexed columns, then hands the new escalations to :mod:`hsq_app.complaints.sla.notify`.

The escalations never pass through Python row by row: one locking read copies the complaints with
a level due into a temporary table of the job's connection, and the log rows, the per-day cells,
the lift (with the breach of the complaints that breach in this run) and the digests are statements
over that table; only the digests' first items per group of recipients reach Python (issue 14,
part 6: 100,000 open complaints)."""

from __future__ import annotations

import datetime as dt

import frappe

from hsq_app.complaints import stats as complaint_stats
from hsq_app.complaints.sla.clock import STOPPED_STATES
from hsq_app.complaints.sla.notify import DIGEST_OVER, Recipients, notify
from hsq_app.complaints.sla.policy import get_policies
from hsq_app.utils.bulk import affected_rows
from hsq_app.utils.clock import now as clock_now
from hsq_app.utils.work_calendar import get_calendar

# composite indexes on HSQ Complaint the sweep ranges over (created by sla.defaults.ensure_complaint_indexes)
STATUS_DEADLINE_INDEX = "sla_status_resolve_by_index"
STATUS_WARN_INDEX = "sla_status_warn_by_index"
STATUS_LEVEL_INDEX = "sla_status_escalation_level_index"
LOCK_WAIT_SECONDS = 30
# the job's connection while it runs (restored afterwards, also when it fails):
# - READ COMMITTED: its range scans then lock the rows they touch, not the gaps between them
#   (sweeps are serialised by the named lock anyway);
# - binlog_row_image MINIMAL: the binary log gets each changed row's key and changed columns, not
#   two full images of a complaint (its texts too) for every status or level moved; every table
#   the job writes has a primary key, so replicas and point-in-time recovery apply them alike.
#   Needs SUPER or BINLOG ADMIN: without it the job keeps FULL (docs/deploy.md)
SESSION_SETTINGS = (("tx_isolation", "READ-COMMITTED"), ("binlog_row_image", "MINIMAL"))
ACCESS_DENIED = 1227  # ER_SPECIFIC_ACCESS_DENIED_ERROR: "you need (at least one of) the ... privilege(s)"

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

# the job's work tables: temporary (this connection only, never in the binary log with
# binlog_format=ROW), created before the job's first write and dropped after its commit
DUE = "hsq_sla_due"  # the complaints with a level due, locked: one row each
RULES = "hsq_sla_rules"  # the escalation rules of the policies swept
RECIPIENTS = "hsq_sla_recipients"  # who hears of a level, by department / institution (Recipients)
WORK_TABLES = {
	DUE: """name varchar(140) NOT NULL PRIMARY KEY, seq int NOT NULL, policy varchar(140) NOT NULL,
		institution varchar(140), department varchar(140), registered_by varchar(140),
		escalation_level int NOT NULL, target int NOT NULL, resolve_by datetime(6),
		was_breached tinyint NOT NULL""",
	RULES: """policy varchar(140) NOT NULL, pos int NOT NULL, level int NOT NULL, notify varchar(140),
		PRIMARY KEY (policy, pos)""",
	RECIPIENTS: """notify varchar(140) NOT NULL, `key` varchar(140) NOT NULL, pos int NOT NULL,
		user varchar(140) NOT NULL, notified text NOT NULL, PRIMARY KEY (notify, `key`, pos)""",
}
UNIT, RECORD = "\x1f", "\x1e"  # separators of the digests' GROUP_CONCAT (never in a name)
# the recipient key of a rule's level for a due complaint d and rule r (see Recipients.table_rows)
RECIPIENT_KEY = (
	"CASE r.notify WHEN 'Department Head' THEN d.department WHEN 'Bureau' THEN '' ELSE d.institution END"
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
	saved = _tune_session()
	frappe.db.commit()  # batch job: start afresh
	if not frappe.db.sql("SELECT GET_LOCK(%s, %s)", (lock, LOCK_WAIT_SECONDS))[0][0]:
		_restore_session(saved)
		return {"skipped": 1}
	try:
		_create_work_tables()  # before the first write: Frappe refuses DDL once a transaction wrote
		escalated, digests, breached = _escalate(now)
		counts = _update_statuses(now)
		counts["breached"] += breached
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
		frappe.db.commit()  # batch job: make statuses, logs and notifications durable before unlocking
	except Exception:
		frappe.db.rollback()
		raise
	finally:
		_restore_session(saved)
		frappe.db.sql("SELECT RELEASE_LOCK(%s)", (lock,))
		_drop_work_tables()
	return counts


def _tune_session() -> dict:
	"""Set SESSION_SETTINGS on the job's connection; returns the values they replaced (for
	_restore_session). A setting the database user may not change (binlog_row_image needs SUPER or
	BINLOG ADMIN, which a site's user does not have) is skipped and stays as it was."""
	saved = {}
	for name, value in SESSION_SETTINGS:
		before = frappe.db.sql(f"SELECT @@SESSION.{name}")[0][0]
		try:
			frappe.db.sql(f"SET SESSION {name} = %s", (value,))
		except Exception as e:
			if not _refused(e):
				_restore_session(saved)
				raise
			continue
		saved[name] = before
	return saved


def _restore_session(saved: dict) -> None:
	"""Put back what _tune_session changed: the connection serves other work after the job."""
	for name, value in saved.items():
		frappe.db.sql(f"SET SESSION {name} = %s", (value,))


def _refused(e: Exception) -> bool:
	"""The database user lacks the privilege a setting needs (ER_SPECIFIC_ACCESS_DENIED_ERROR)."""
	return bool(getattr(e, "args", None)) and e.args[0] == ACCESS_DENIED


def _create_work_tables() -> None:
	for table, columns in WORK_TABLES.items():
		frappe.db.sql(f"DROP TEMPORARY TABLE IF EXISTS `{table}`")
		frappe.db.sql(
			f"""CREATE TEMPORARY TABLE `{table}` ({columns})
			ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"""
		)


def _drop_work_tables() -> None:
	"""After the commit or rollback (a DROP inside a transaction that wrote is refused by Frappe)."""
	for table in WORK_TABLES:
		frappe.db.sql(f"DROP TEMPORARY TABLE IF EXISTS `{table}`")


def _update_statuses(now: dt.datetime) -> dict:
	"""Two UPDATEs, each a range over a composite index (raw SQL for the index hints: fresh bulk
	loads leave the optimizer's statistics stale, and a full scan here costs every sweep). The
	complaints that breach and escalate in this run were already marked by the lift."""
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


def _escalate(now: dt.datetime) -> tuple[int, dict, int]:
	"""Raise escalation_level one rule at a time; one log row per (complaint, level), in order.

	One locking read (all policies at once) copies the complaints with a level now due (breached, or
	breaching in this run) into DUE; each gets a log row for every level it passed (a complaint
	that missed runs climbs several levels in one sweep, one row per level), then one UPDATE lifts
	them all to the highest level due and marks the newly breached. Returns (log rows written,
	digests by recipient, complaints breached by the lift)."""
	cal = get_calendar()
	rules, swept = [], []
	for seq, policy in enumerate(get_policies()):
		cutoffs = [(rule, cal.subtract_working_hours(now, rule.after_hours)) for rule in policy.escalations]
		if cutoffs:
			swept.append((seq, policy.name, cutoffs))
			rules += [(policy.name, pos, rule.level, rule.notify) for pos, (rule, _c) in enumerate(cutoffs)]
	due = _due(swept, now) if swept else 0
	if not due:
		return 0, {}, 0
	_fill(RULES, ("policy", "pos", "level", "notify"), rules)
	recipients = Recipients()
	_fill(RECIPIENTS, ("notify", "key", "pos", "user", "notified"), recipients.table_rows())
	logs = _write_logs(now)
	# the per-day complaint cells count the escalated: level 0 -> above, before the lift
	complaint_stats.escalating_from(f"SELECT name FROM `{DUE}` WHERE escalation_level = 0")
	breached = frappe.db.sql(f"SELECT COUNT(*) FROM `{DUE}` WHERE NOT was_breached")[0][0]
	_lift()
	return logs, _digests(rules, recipients), breached


def _next_rule(cutoffs: list, level: int) -> int:
	"""Index of the first rule above ``level``."""
	return next(i for i, (rule, _cutoff) in enumerate(cutoffs) if rule.level > level)


def _due(policies: list, now: dt.datetime) -> int:
	"""Copy the complaints with a level now due into DUE, locked, in one statement for all
	``policies`` ((position, name, cutoffs)) (raw SQL: index hints, INSERT … SELECT and locking
	reads are beyond frappe.qb); returns how many.

	Due: a breached complaint (or one breaching now: On Track / Warning past its deadline) at level
	v whose deadline is past its policy's cutoff of the next rule above v. One (sla_status,
	escalation_level, resolve_by) index range per status and level, so complaints waiting for
	their next level are not read, a sweep with nothing due reads no rows, and each candidate is
	read once whatever its policy. ``target`` is the highest level now due (cutoffs fall as levels
	rise)."""
	values = {"now": now, "stopped": STOPPED_STATES}
	wheres, seqs, targets = [], [], []
	for p, (seq, policy, cutoffs) in enumerate(policies):
		values[f"p{p}"] = policy
		values.update({f"p{p}c{i}": cutoff for i, (_rule, cutoff) in enumerate(cutoffs)})
		due = " OR ".join(
			f"(c.escalation_level = {level} AND c.resolve_by <= %(p{p}c{_next_rule(cutoffs, level)})s)"
			for level in range(cutoffs[-1][0].level)
		)
		wheres.append(f"(c.sla_policy = %(p{p})s AND ({due}))")
		seqs.append(f"WHEN %(p{p})s THEN {int(seq)}")
		target = " ".join(
			f"WHEN c.resolve_by <= %(p{p}c{i})s THEN {rule.level}"
			for i, (rule, _cutoff) in reversed(list(enumerate(cutoffs)))
		)
		targets.append(f"WHEN %(p{p})s THEN CASE {target} ELSE 0 END")
	frappe.db.sql(
		f"""INSERT INTO `{DUE}` (name, seq, policy, institution, department, registered_by,
			escalation_level, target, resolve_by, was_breached)
		SELECT c.name, CASE c.sla_policy {" ".join(seqs)} END,
			CASE c.sla_policy {" ".join(f"WHEN %(p{p})s THEN %(p{p})s" for p in range(len(policies)))} END,
			c.institution,
			c.department, c.registered_by, c.escalation_level, CASE c.sla_policy {" ".join(targets)} END,
			c.resolve_by, c.sla_status = 'Breached'
		FROM `tabHSQ Complaint` c FORCE INDEX (`{STATUS_LEVEL_INDEX}`)
		WHERE c.sla_status IN ('Breached', 'On Track', 'Warning') AND ({" OR ".join(wheres)})
			AND (c.sla_status = 'Breached' OR c.resolve_by < %(now)s) AND {OPEN_SQL}
		FOR UPDATE""",
		values,
	)
	return affected_rows()


def _fill(table: str, columns: tuple, rows: list) -> None:
	"""A work table's rows (a few hundred: rules and recipients) in one multi-row INSERT."""
	if rows:
		placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
		frappe.db.sql(
			f"INSERT INTO `{table}` ({', '.join(f'`{c}`' for c in columns)}) "
			f"VALUES {', '.join([placeholders] * len(rows))}",
			tuple(value for row in rows for value in row),
		)


# the levels each due complaint d passes in this run, with its rule r (raw SQL fragment)
PASSED = f"""`{DUE}` d STRAIGHT_JOIN `{RULES}` r
	ON r.policy = d.policy AND r.level > d.escalation_level AND r.level <= d.target"""


def _write_logs(now: dt.datetime) -> int:
	"""One HSQ Escalation Log row per complaint and level passed, named <complaint>-L<level>, in one
	INSERT IGNORE … SELECT (the unique (complaint, level) index keeps a level logged once); whom it
	notified: the level's recipients, else whoever registered the complaint (首诉负责)."""
	frappe.db.sql(
		f"""INSERT IGNORE INTO `tabHSQ Escalation Log` ({", ".join(LOG_COLUMNS)})
		SELECT CONCAT(d.name, '-L', r.level), %(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			d.name, r.level, %(now)s, IFNULL(d.institution, ''), r.notify,
			COALESCE(n.notified, d.registered_by, '')
		FROM {PASSED}
		LEFT JOIN `{RECIPIENTS}` n ON n.notify = r.notify AND n.`key` = {RECIPIENT_KEY} AND n.pos = 0
		ORDER BY d.name, r.level""",  # primary-key order: appends to the clustered index
		{"now": now},
	)
	return affected_rows()


def _lift() -> None:
	"""Lift each complaint read above (and locked) to the highest level now due; the ones that
	breach in this run are marked Breached in the same write."""
	frappe.db.sql(
		f"""UPDATE `{DUE}` d STRAIGHT_JOIN `tabHSQ Complaint` c ON c.name = d.name
		SET c.escalation_level = d.target, c.sla_status = 'Breached'"""
	)


def _digests(rules: list, recipients: Recipients) -> dict:
	"""Escalations by recipient: {user: {"count", "items": the first DIGEST_OVER + 1 (complaint,
	level, notify) in the order of the sweep (policy, level, deadline, complaint, rule)}}.

	The due complaints that share a policy, their levels (from, to), department, institution and
	registrar hear of the same people: one GROUP BY counts each such group and lists its first
	DIGEST_OVER + 1 by deadline, and only those lists reach Python, where each group's recipients
	(Recipients.of, per level passed) are given the group's count and items."""
	keep = DIGEST_OVER + 1
	groups = frappe.db.sql(
		f"""SELECT d.seq, d.policy, d.escalation_level, d.target, d.department, d.institution,
			d.registered_by, COUNT(*) AS n,
			GROUP_CONCAT(CONCAT(d.resolve_by, '{UNIT}', d.name)
				ORDER BY d.resolve_by, d.name SEPARATOR '{RECORD}' LIMIT {keep}) AS firsts
		FROM `{DUE}` d
		GROUP BY d.seq, d.policy, d.escalation_level, d.target, d.department, d.institution,
			d.registered_by""",
		as_dict=True,
	)
	by_policy = {}
	for policy, pos, level, notify_ in rules:
		by_policy.setdefault(policy, []).append((pos, level, notify_))
	counts, items = {}, {}
	for group in groups:
		# (deadline as text: one fixed format, so it sorts as the datetime does; complaint)
		firsts = [first.split(UNIT, 1) for first in group.firsts.split(RECORD)]
		for pos, level, notify_ in by_policy.get(group.policy, ()):
			if not group.escalation_level < level <= group.target:
				continue
			for user in recipients.of(notify_, group):
				counts[user] = counts.get(user, 0) + group.n
				items.setdefault(user, []).extend(
					((group.seq, group.escalation_level, deadline, name, pos), (name, level, notify_))
					for deadline, name in firsts
				)
	return {
		user: {"count": counts[user], "items": [item for _key, item in sorted(items[user])[:keep]]}
		for user in sorted(counts)
	}

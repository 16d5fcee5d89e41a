# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""Complaint figures kept per day of receipt, so that SLA compliance over a county's year answers at
once whatever plan the optimizer picks (issue 14, part 6; like hsq_app.follow_up.stats).

``HSQ Complaint Day Stat`` holds, per day of receipt, institution, department and channel, the
complaints the SLA Compliance report counts (not "Not Accepted", not merged into another): total,
met, late, open (clock not stopped, not resolved), escalated, extended, resolved and the sum of their
days to resolve. Open complaints are further keyed by the day of their deadline (``deadline_day``),
so "overdue now" is read from the cells for every deadline day but today, and only today's deadlines
are looked up in the complaints (``today_overdue``): the figures equal the row-based query's at any
moment, with no job moving complaints between cells as time passes.

``HSQ Complaint Month Stat`` holds the same cells added up per month (its ``day`` is the first of the
month), recomputed from the day cells whenever they are: a period reads its whole months from there
and only the days of its partial months from the day cells (``periods``).

A cell's name starts with its day (or month), so the clustered primary key keeps a period's cells
together.

Every change is recomputed from the complaints it sums (never guessed), in the transaction that
changed them: ``on_change`` (insert, save, workflow action, ``db_set``: the cells the complaint was
and is counted in), the SLA deadlines job and the merge of a duplicate (``complaints_changed``).
The SLA sweep, which only lifts escalation levels, adds its newly escalated complaints to their
cells in the same transaction (``escalating``, cells named from the rows it read), before it lifts
them. ``rebuild()`` recomputes any range (the
``build_complaint_stats`` patch, ``bench execute hsq_app.complaints.stats.rebuild``); the daily
job recomputes the last RECENT_DAYS days of receipt as a safety net.

The same doors keep the Complaint Ledger's and the Monthly Bureau Summary's cells
(hsq_app.complaints.ledger_stats): a complaint's keys (``_keys``) name its SLA cells, its ledger
cells (institution, department, category, day of receipt) and its resolution cells (institution,
day of resolution); ``rebuild`` recomputes all three.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter, defaultdict
from datetime import date

import frappe
from frappe.utils import add_days, add_months, cint, getdate, now_datetime, today

from hsq_app.complaints import ledger_stats
from hsq_app.complaints import workflow as wf
from hsq_app.utils.isolation import read_committed

COMPLAINT = "HSQ Complaint"
DAY_STAT = "HSQ Complaint Day Stat"
MONTH_STAT = "HSQ Complaint Month Stat"
SUMS = ("total", "met", "late", "open", "escalated", "extended", "resolved", "resolved_days")
RECENT_DAYS = 62
CELL_LOCK_SECONDS = 10  # recount_committed: how long a recount waits for another of the same cells
# the worklist job's recounts during a burst (recount_soon): at most one every RECOUNT_EVERY seconds
# (site config ``hsq_cells_recount_seconds``) and RECOUNT_PAUSE times as long as the burst's last
# recount took, but never more than RECOUNT_MOST seconds apart; the keys put off meanwhile are kept
# in a Redis set
RECOUNT_EVERY = 5
RECOUNT_PAUSE = 50  # a burst's recounts take at most about 1/50 of the time
RECOUNT_MOST = 60
CELLS_WAITING = "hsq_cells_waiting"
CELLS_RECOUNTED = "hsq_cells_recounted"  # set by a burst's recount for the pause before the next
CELLS_RECOUNT_TOOK = "hsq_cells_recount_took"  # seconds the burst's last recount took
ALL = object()  # every department / channel
KEY_FIELDS = ("institution", "department", "channel", "category", "received_at", "resolved_at")

# what a cell counts: the SLA Compliance report's population (raw SQL fragments, fixed strings)
COUNTED = "IFNULL(c.workflow_state, '') != %(not_accepted)s AND IFNULL(c.merged_into, '') = ''"
STOPPED = "IFNULL(c.workflow_state, '') IN %(stopped)s"
OPEN = f"(c.resolved_at IS NULL AND NOT {STOPPED})"
# a cell's name: its day first (clustered by day), then a digest of the rest of its key; NULL and ''
# are told apart as the report's GROUP BY tells them apart
NAME = (
	"CONCAT(DATE(c.received_at), '-', MD5(CONCAT_WS('|',"
	" IFNULL(CONCAT('=', c.institution), '-'), IFNULL(CONCAT('=', c.department), '-'),"
	" IFNULL(CONCAT('=', c.channel), '-'),"
	f" IFNULL(CASE WHEN {OPEN} THEN DATE(c.resolve_by) END, '-'))))"
)


# a month cell's name: the first day of its month, then the same digest as its day cells
MONTH_NAME = NAME.replace(
	"CONCAT(DATE(c.received_at), '-',", "CONCAT(DATE_FORMAT(c.received_at, '%%Y-%%m-01'), '-',", 1
)


def _values(**kw) -> dict:
	return {"not_accepted": wf.NOT_ACCEPTED, "stopped": (wf.RESOLVED, wf.CLOSED), **kw}


def _insert_select(where: str, values: dict) -> None:
	"""Cells for the counted complaints matching ``where`` (raw SQL: INSERT … SELECT … GROUP BY has
	no frappe.qb form)."""
	frappe.db.sql(
		f"""
		INSERT INTO `tab{DAY_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			day, institution, department, channel, deadline_day, total, met, late, open, escalated,
			extended, resolved, resolved_days)
		SELECT {NAME}, %(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			DATE(c.received_at), c.institution, c.department, c.channel,
			CASE WHEN {OPEN} THEN DATE(c.resolve_by) END,
			COUNT(*),
			IFNULL(SUM(c.resolved_at IS NOT NULL AND c.resolved_at <= c.resolve_by), 0),
			IFNULL(SUM(c.resolved_at IS NOT NULL AND c.resolved_at > c.resolve_by), 0),
			SUM({OPEN}),
			IFNULL(SUM(c.escalation_level > 0), 0),
			IFNULL(SUM(c.extension_days > 0), 0),
			SUM(c.resolved_at IS NOT NULL),
			IFNULL(SUM(CASE WHEN c.resolved_at IS NOT NULL
				THEN TIMESTAMPDIFF(MINUTE, c.received_at, c.resolved_at) / 1440 END), 0)
		FROM `tab{COMPLAINT}` c
		WHERE {where} AND c.received_at IS NOT NULL AND {COUNTED}
		GROUP BY 1
		""",
		values,
	)


def refresh(
	institution: str | None,
	start: date | str,
	end: date | str,
	department: str | None = ALL,
	channel: str | None = ALL,
) -> None:
	"""Recompute an institution's cells for the days of receipt start to end (inclusive): of one
	department and one channel (None: the complaints without one) or, by default, of all; then
	the month cells of those days' months, from their day cells."""
	values = _values(
		institution=institution,
		start=getdate(start),
		until=add_days(getdate(end), 1),
		department=department if department is not ALL else None,
		channel=channel if channel is not ALL else None,
		now=now_datetime(),
	)
	cell, rows = ["s.institution <=> %(institution)s"], ["c.institution <=> %(institution)s"]
	for field, value in (("department", department), ("channel", channel)):
		if value is not ALL:
			cell.append(f"s.{field} <=> %({field})s")
			rows.append(f"c.{field} <=> %({field})s")
	# over the (institution, department, channel, day) index: the slice's own cells only
	frappe.db.sql(
		f"DELETE s FROM `tab{DAY_STAT}` s WHERE s.day >= %(start)s AND s.day < %(until)s"
		f" AND {' AND '.join(cell)}",
		values,
	)
	_insert_select(
		f"c.received_at >= %(start)s AND c.received_at < %(until)s AND {' AND '.join(rows)}", values
	)
	# the months those days are in, added up again from their day cells (the same slice)
	values.update(month=_month(values["start"]), next_month=add_months(_month(end), 1))
	frappe.db.sql(
		f"DELETE s FROM `tab{MONTH_STAT}` s WHERE s.day >= %(month)s AND s.day < %(next_month)s"
		f" AND {' AND '.join(cell)}",
		values,
	)
	sums = ", ".join(f"SUM(s.{f})" for f in SUMS)
	frappe.db.sql(
		f"""
		INSERT INTO `tab{MONTH_STAT}` (name, creation, modified, owner, modified_by, docstatus, idx,
			day, institution, department, channel, deadline_day, {", ".join(SUMS)})
		SELECT CONCAT(DATE_FORMAT(s.day, '%%Y-%%m-01'), '-', SUBSTRING(s.name, 12)),
			%(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
			DATE_FORMAT(s.day, '%%Y-%%m-01'), s.institution, s.department, s.channel, s.deadline_day,
			{sums}
		FROM `tab{DAY_STAT}` s
		WHERE s.day >= %(month)s AND s.day < %(next_month)s AND {" AND ".join(cell)}
		GROUP BY 1
		""",
		values,
	)
	if department is ALL and channel is ALL:
		# a whole institution's days (a rebuild): the ledger's cells of the same days too (one
		# complaint's ledger cells are recounted by their own key, see _keys)
		ledger_stats.refresh(institution, start, end)


def _month(day) -> date:
	return getdate(day).replace(day=1)


def _keys(doc) -> set:
	"""The cells a complaint is counted in: its SLA cells (institution, department, channel, day of
	receipt), its ledger cells ("ledger", institution, department, category, day of receipt) and its
	resolution cells ("resolved", institution, day of resolution)."""
	if not doc:
		return set()
	keys = ledger_stats.resolution_key(doc)
	if doc.get("received_at"):
		day = getdate(doc.received_at)
		keys.add((doc.get("institution"), doc.get("department"), doc.get("channel"), day))
		keys.add(("ledger", doc.get("institution"), doc.get("department"), doc.get("category"), day))
	return keys


def on_change(doc, method=None) -> None:
	"""doc_events: a complaint was inserted, saved, moved by the workflow or db_set: recompute the
	cells it was and is counted in (its department and channel on its day of receipt)."""
	if frappe.flags.in_install:
		return
	if doc.flags.hsq_register_later and not doc.get_doc_before_save():
		# a complaint from a machine door (intake API, public page): its cells are counted by the
		# worklist job, one worker for every such complaint of the second (hsq_app.complaints.
		# worklist), not in the request: a platform's burst recomputing the same day's cells in
		# eight requests at once deadlocked on their range locks (benchmarks/README.md)
		return
	before = doc.get_doc_before_save()
	keys = _keys(before) | _keys(doc)
	if getattr(frappe.local, "request", None):
		# in a web request: right after its commit, in a short transaction of their own. Recounted
		# inside the user's transaction, fifty desks saving complaints of one institution and day
		# at once deadlocked each other's saves on the cells' range locks (benchmarks/README.md)
		_after_commit(keys)
		return
	for key in keys:
		_refresh_key(key)


def _refresh_key(key: tuple) -> None:
	"""Recount the cells of one key (see _keys)."""
	if key[0] == "resolved" and len(key) == 3:
		ledger_stats.refresh_resolved(key[1], key[2], key[2])
		return
	if key[0] == "ledger" and len(key) == 5:
		_tag, institution, department, category, day = key
		ledger_stats.refresh(institution, day, day, department, category)
		return
	institution, department, channel, day = key
	refresh(institution, day, day, department, channel)


def _after_commit(keys: set) -> None:
	pending = getattr(frappe.local, "hsq_cells_pending", None)
	if pending is None:
		pending = frappe.local.hsq_cells_pending = set()
	if not pending:
		frappe.db.after_commit.add(_refresh_pending)
		frappe.db.after_rollback.add(pending.clear)  # the changes are gone: nothing to recount
	pending |= keys


def _refresh_pending(attempts: int = 3) -> None:
	"""The cells a request's committed changes are counted in, recounted after its commit
	(:func:`recount_committed`)."""
	pending = getattr(frappe.local, "hsq_cells_pending", None) or set()
	keys = set(pending)
	pending.clear()
	recount_committed(keys, attempts)


def recount_committed(keys: set, attempts: int = 3) -> None:
	"""Recount the cells of ``keys`` (see _keys) from what is committed, in a short transaction of
	their own, and commit; the caller's changes are committed already (after a request's commit,
	after the worklist job's registration).

	The transaction reads READ COMMITTED, so its ``INSERT … SELECT`` reads the complaints without
	locking them: in REPEATABLE READ it share-locked every complaint of the slice, and a desk saving
	or dispatching one of them at that moment (holding the complaint, waiting for the index entries
	the recount held) was chosen as a deadlock's victim and answered with an error (benchmarks/
	README.md, "Desk mix"). Recounts of one institution and month take a named lock first (in a
	fixed order), so they run one after the other: each reads after the changes it counts were
	committed, and the last to write has read them all (no cell left behind by an older read).
	A deadlock or a lock wait is retried; a recount that still fails is logged, and the daily
	recount (rebuild_recent) makes up."""
	if not keys:
		return
	ordered = sorted(keys, key=lambda k: tuple(str(v) for v in k))
	locks = sorted({_cell_lock(key) for key in keys})
	with read_committed():
		for attempt in range(attempts):
			taken = []
			try:
				for lock in locks:
					if not frappe.db.sql("SELECT GET_LOCK(%s, %s)", (lock, CELL_LOCK_SECONDS))[0][0]:
						raise CellsBusy(lock)
					taken.append(lock)
				for key in ordered:
					_refresh_key(key)
				frappe.db.commit()
				return
			except Exception as e:
				frappe.db.rollback()
				retry = frappe.db.is_deadlocked(e) or frappe.db.is_timedout(e) or isinstance(e, CellsBusy)
				if attempt + 1 == attempts or not retry:
					frappe.log_error(title="complaint cells not recounted (the daily recount will)")
					frappe.db.commit()
					return
				time.sleep(0.05 * (attempt + 1))
			finally:
				for lock in taken:
					frappe.db.sql("SELECT RELEASE_LOCK(%s)", (lock,))


def recount_soon(keys: set, burst: bool) -> None:
	"""The worklist job's cells (hsq_app.complaints.worklist), recounted from what is committed
	(:func:`recount_committed`), with every key put off before: at once when the burst is over
	(``burst`` false: no complaint is waiting for a later job), otherwise after a pause since the
	burst's last recount (:func:`recount_pause`). During a platform's burst each second's job
	recounted the same slices of the day (an ``INSERT … SELECT`` over every complaint of the slice
	that day): 40 % of MariaDB's time (benchmarks/README.md, "Fifteenth session"). A put-off key
	waits in Redis for a later job of the burst: the last one, which finds nothing waiting after
	it, recounts whatever is left, so the cells lag a burst by seconds and a quiet day's complaint
	not at all. A key lost with Redis is made up by the hourly :func:`recount_waiting` run or the
	daily recount."""
	every = cint(frappe.conf.get("hsq_cells_recount_seconds", RECOUNT_EVERY))  # 0: every job
	try:
		if keys:
			frappe.cache.sadd(CELLS_WAITING, *(_dump_key(key) for key in keys))
		token = frappe.cache.make_key(CELLS_RECOUNTED)
		if burst and every > 0 and not frappe.cache.set(token, 1, nx=True, ex=recount_pause(every)):
			return  # a recount of this burst ran less than a pause ago; a later job takes them
	except Exception as e:  # no Redis: this job's own cells, now
		frappe.logger("hsq").warning(f"report cells recounted at once, not put off ({e})")
		recount_committed(keys)
		return
	started = time.monotonic()
	if recount_waiting() and burst:
		try:
			took = round(time.monotonic() - started, 3)
			frappe.cache.set(frappe.cache.make_key(CELLS_RECOUNT_TOOK), took, ex=3600)
		except Exception:
			pass  # the next pause is the shortest


def recount_pause(every: int) -> int:
	"""Seconds a burst's next recount waits: ``every`` (site config ``hsq_cells_recount_seconds``),
	or RECOUNT_PAUSE times as long as the burst's last recount took, whichever is longer, at most
	RECOUNT_MOST. A recount reads every complaint of the day's slices, so a platform sending tens of
	thousands a day to one institution made each recount longer as the day went on (benchmarks/
	README.md, "Twenty-first session"): the pause keeps the recounts' share of the machine the same
	whatever the day's size, and the cells lag a burst by at most a minute (none once it ends)."""
	took = float(frappe.cache.get(frappe.cache.make_key(CELLS_RECOUNT_TOOK)) or 0)
	return max(every, min(RECOUNT_MOST, math.ceil(took * RECOUNT_PAUSE)))


def recount_waiting() -> int:
	"""Recount the cells put off by :func:`recount_soon` (also hourly, from the scheduler: keys
	whose later job never came, e.g. a worker killed); returns how many keys."""
	raw = frappe.cache.execute_command("SPOP", frappe.cache.make_key(CELLS_WAITING), 100_000) or []
	keys = {_load_key(k) for k in raw}
	recount_committed(keys)
	return len(keys)


def _dump_key(key: tuple) -> str:
	"""A key (see _keys) as a Redis set member: JSON, its day (always last) as ISO text."""
	return frappe.as_json([*key[:-1], str(getdate(key[-1]))], indent=None)


def _load_key(raw) -> tuple:
	values = json.loads(frappe.safe_decode(raw))
	return (*values[:-1], getdate(values[-1]))


def _cell_lock(key: tuple) -> str:
	"""The named lock of a key's cells: its institution and month (a day's recount rewrites its
	month's cells too), unique to the site's database (MariaDB's locks are server-wide; 64 chars)."""
	institution, day = (key[1], key[-1]) if key[0] in ("resolved", "ledger") else (key[0], key[-1])
	digest = hashlib.md5(f"{institution}".encode()).hexdigest()[:16]
	return f"hsq_cells:{frappe.conf.db_name}:{digest}:{getdate(day):%Y-%m}"


class CellsBusy(Exception):
	"""Another recount held the same cells' named lock for CELL_LOCK_SECONDS (retried)."""


def complaints_changed(names: list[str]) -> None:
	"""Complaints written behind the document (set_value, bulk SQL), their receipt, institution,
	department and channel unchanged: recompute the cells they are counted in, in the caller's
	transaction."""
	for key in keys_of(names):
		_refresh_key(key)


def keys_of(names: list[str]) -> set:
	"""The cells the complaints ``names`` are counted in (see _keys)."""
	keys = set()
	for start in range(0, len(names), 1000):
		C = frappe.qb.DocType(COMPLAINT)
		rows = (
			frappe.qb.from_(C)
			.select(*(C[f] for f in KEY_FIELDS))
			.where(C.name.isin(names[start : start + 1000]))
			.run(as_dict=True)
		)
		for row in rows:
			keys |= _keys(row)
	return keys


def cell_names(row) -> tuple[str, str]:
	"""(day cell, month cell) names of an open complaint (``row``: institution, department,
	channel, received_at, resolve_by), as NAME and MONTH_NAME compute them in SQL."""
	parts = [
		"-" if row.get(f) is None else f"={row.get(f)}" for f in ("institution", "department", "channel")
	]
	parts.append(str(getdate(row.resolve_by)) if row.get("resolve_by") else "-")
	key = "|".join(parts)
	digest = hashlib.md5(key.encode("utf-8")).hexdigest()
	day = getdate(row.received_at)
	return f"{day}-{digest}", f"{_month(day)}-{digest}"


def escalating(rows: list) -> None:
	"""The SLA sweep is about to lift these open complaints (read and locked by it, at level 0)
	above level 0: count them as escalated in their day and month cells, in the sweep's
	transaction. Only level 0 → above changes a figure. The cells are named from the rows the sweep
	already read (institution, department, channel, received_at, resolve_by): no second read."""
	added: dict[str, Counter] = {DAY_STAT: Counter(), MONTH_STAT: Counter()}
	for row in rows:
		if row.get("received_at") is None:
			continue
		day, month = cell_names(row)
		added[DAY_STAT][day] += 1
		added[MONTH_STAT][month] += 1
	for table, counts in added.items():
		by_increment = defaultdict(list)
		for name, n in counts.items():
			by_increment[n].append(name)
		for n, names in by_increment.items():
			for start in range(0, len(names), 1000):
				frappe.db.sql(
					f"UPDATE `tab{table}` SET escalated = escalated + %(n)s WHERE name IN %(names)s",
					{"n": n, "names": tuple(names[start : start + 1000])},
				)


def escalating_from(names_sql: str, values: dict | None = None) -> None:
	"""Set-based :func:`escalating`: the complaints whose names ``names_sql`` selects (a SELECT of
	one column ``name``; the SLA sweep's locked work table) are about to be lifted above level 0.
	Their cells are named by NAME / MONTH_NAME from the complaints themselves, one UPDATE per table
	(raw SQL: UPDATE … JOIN a grouped derived table has no frappe.qb form)."""
	for table, name in ((DAY_STAT, NAME), (MONTH_STAT, MONTH_NAME)):
		frappe.db.sql(
			f"""UPDATE `tab{table}` s JOIN (
				SELECT {name} AS cell, COUNT(*) AS n
				FROM ({names_sql}) e STRAIGHT_JOIN `tab{COMPLAINT}` c ON c.name = e.name
				GROUP BY cell
			) x ON s.name = x.cell
			SET s.escalated = s.escalated + x.n""",
			_values(**(values or {})),
		)


def rebuild(start: date | str | None = None, end: date | str | None = None, progress=None) -> dict:
	"""Recompute every cell for the days of receipt start to end (default: all), one institution
	at a time. Returns the number of cells."""
	bounds = frappe.db.sql(f"SELECT MIN(DATE(received_at)), MAX(DATE(received_at)) FROM `tab{COMPLAINT}`")[0]
	institutions = frappe.db.sql_list(
		f"SELECT DISTINCT institution FROM `tab{COMPLAINT}`"
		f" UNION SELECT DISTINCT institution FROM `tab{DAY_STAT}`"
		f" UNION SELECT DISTINCT institution FROM `tab{MONTH_STAT}`"
		f" UNION SELECT DISTINCT institution FROM `tab{ledger_stats.DAY_STAT}`"
		f" UNION SELECT DISTINCT institution FROM `tab{ledger_stats.MONTH_STAT}`"
	)
	first = getdate(start) if start else bounds[0]
	last = getdate(end) if end else bounds[1]
	if not start and not end:
		# nothing is left of days outside the complaints' range, before the months within it are
		# added up again from their day cells (a stale day cell would live on in its month)
		for day_table, month_table in (
			(DAY_STAT, MONTH_STAT),
			(ledger_stats.DAY_STAT, ledger_stats.MONTH_STAT),
		):
			frappe.db.sql(
				f"DELETE FROM `tab{day_table}` WHERE day < %(first)s OR day > %(last)s OR %(first)s IS NULL",
				{"first": first, "last": last},
			)
			frappe.db.sql(
				f"DELETE FROM `tab{month_table}` WHERE day < %(first)s OR day > %(last)s OR %(first)s IS NULL",
				{"first": first and _month(first), "last": last},
			)
	if first and last:
		for i, institution in enumerate(institutions):
			refresh(institution, first, last)
			if progress:
				progress(i + 1, len(institutions), institution)
	# the resolution cells of the same days (days of resolution)
	ledger_stats.rebuild_resolved(start, end)
	return {
		"institutions": len(institutions),
		"cells": frappe.db.count(DAY_STAT),
		"month_cells": frappe.db.count(MONTH_STAT),
		"ledger_cells": frappe.db.count(ledger_stats.DAY_STAT),
		"ledger_month_cells": frappe.db.count(ledger_stats.MONTH_STAT),
		"resolution_cells": frappe.db.count(ledger_stats.RESOLUTION_STAT),
	}


def periods(start: date, end: date) -> list[tuple[str, date, date]]:
	"""How to read the days start to end (inclusive) from the cells: (table, first, last) parts,
	whole months from the month cells and the days of partial months from the day cells."""
	start, end = getdate(start), getdate(end)
	first = start if start.day == 1 else add_months(_month(start), 1)
	last = add_days(add_months(_month(end), 1), -1)
	if last != end:
		last = add_days(_month(end), -1)
	if first > last:
		return [(DAY_STAT, start, end)]
	parts = [(MONTH_STAT, first, last)]
	if start < first:
		parts.append((DAY_STAT, start, add_days(first, -1)))
	if end > last:
		parts.append((DAY_STAT, add_days(last, 1), end))
	return parts


def rebuild_recent() -> None:
	"""Daily safety net: the last RECENT_DAYS days of receipt recomputed."""
	rebuild(add_days(today(), -RECENT_DAYS), today())

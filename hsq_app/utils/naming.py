"""Names: a bulk insert's reserved run of a series, and numbers taken without waiting for other
inserts' commits."""

from __future__ import annotations

import os
import threading

import frappe
from frappe import _
from frappe.model.naming import parse_naming_series
from frappe.query_builder import DocType
from frappe.utils import cint


def reserve_names(series: str, count: int) -> list[str]:
	"""``count`` consecutive names of an old-style naming series such as ``FU-.YYYY.-.#######``.

	The same ``tabSeries`` row that :func:`frappe.model.naming.getseries` increments by one is
	moved by ``count`` under the same row lock, so names never collide with single inserts.
	"""
	if count <= 0:
		return []
	captured = {}

	def hold(key, digits):
		captured.update(key=key, digits=digits)
		return "\0"

	template = parse_naming_series(series, number_generator=hold)
	key, digits = captured["key"], captured["digits"]
	hold_series(key)
	table = DocType("Series")
	current = frappe.qb.from_(table).where(table.name == key).for_update().select(table.current).run()
	if current and current[0][0] is not None:
		start = cint(current[0][0])
		frappe.qb.update(table).set(table.current, start + count).where(table.name == key).run()
	else:
		start = 0
		frappe.qb.into(table).columns(table.name, table.current).insert(key, count).run()
	return [template.replace("\0", str(n).zfill(digits)) for n in range(start + 1, start + count + 1)]


# -- a number that does not wait for other registrations' commits (issue 14) --------------------
#
# Frappe takes a naming series' next number with ``SELECT ... FOR UPDATE`` on its ``tabSeries`` row
# inside the inserting transaction, so the row stays locked until that transaction commits: every
# other insert of the same series waits for the whole of it (defaults, validation, the complaint's
# cells and Version, the commit). Under the intake's load that wait was about two thirds of an
# intake request's time (py-spy, benchmarks/README.md "Twelfth session"). For the machine doors the
# number is taken in a transaction of its own on a second connection, committed at once: the row
# is locked for one statement. A registration that fails after taking its number leaves that
# number unused (a gap, as with a database sequence); the desk keeps Frappe's gapless numbering.

SERIES_LOCK_WAIT_S = 5  # a desk insert holds the row until its commit: wait for it, not longer
_own = threading.local()


def hold_series(key: str) -> None:
	"""Note that this transaction holds ``key``'s row (Frappe's getseries, :func:`reserve_names`):
	a second connection would wait for this very transaction, so :func:`number_in_own_transaction`
	takes the number here instead. Forgotten at the commit or rollback."""
	held = getattr(frappe.local, "hsq_series_held", None)
	if held is None:
		held = frappe.local.hsq_series_held = set()
	if not held:

		def forget():
			held.clear()

		frappe.db.after_commit.add(forget)
		frappe.db.after_rollback.add(forget)
	held.add(key)


def _holds(key: str) -> bool:
	return key in (getattr(frappe.local, "hsq_series_held", None) or ())


def _connection(fresh: bool = False):
	"""This thread's second connection to the site's primary database (autocommit)."""
	import pymysql
	from frappe.database import get_db

	conf = frappe.local.conf
	site = conf.db_name
	conn = getattr(_own, "conn", None)
	if conn is not None and _own.pid != os.getpid():
		conn = None  # a forked process: the socket is its parent's
	if conn is not None and (fresh or _own.site != site):
		try:
			conn.close()
		except Exception:
			pass
		conn = None
	if conn is None:
		settings = get_db(
			socket=conf.db_socket, host=conf.db_host, port=conf.db_port, user=site,
			password=conf.db_password, cur_db_name=site,
		).get_connection_settings()  # fmt: skip
		conn = pymysql.connect(**settings, autocommit=True)
		with conn.cursor() as cursor:
			cursor.execute("SET SESSION innodb_lock_wait_timeout = %s", (SERIES_LOCK_WAIT_S,))
		_own.conn, _own.site, _own.pid = conn, site, os.getpid()
	return conn


def _increment(key: str) -> int:
	sql = (
		"INSERT INTO `tabSeries` (`name`, `current`) VALUES (%s, LAST_INSERT_ID(1)) "
		"ON DUPLICATE KEY UPDATE `current` = LAST_INSERT_ID(IFNULL(`current`, 0) + 1)"
	)
	import pymysql

	for attempt in (0, 1):
		try:
			with _connection(fresh=bool(attempt)).cursor() as cursor:
				cursor.execute(sql, (key,))
				if cursor.lastrowid:
					return cursor.lastrowid
				cursor.execute("SELECT LAST_INSERT_ID()")
				return cursor.fetchone()[0]
		except (pymysql.err.InterfaceError, pymysql.err.OperationalError) as e:
			# a connection the server closed (idle for wait_timeout, a restart) is opened again
			# once; a lock wait that ran out is not waited for twice
			gone = isinstance(e, pymysql.err.InterfaceError) or e.args[0] in (2006, 2013)
			if attempt or not gone:
				raise
	raise AssertionError("unreachable")


def number_in_own_transaction(key: str, digits: int) -> str:
	"""A ``number_generator`` for :func:`frappe.model.naming.parse_naming_series`: the series' next
	number, committed at once on a second connection. Falls back to Frappe's getseries (the row
	locked until this transaction commits) where this transaction already holds the row, or where
	the second connection cannot take the number (its wait for the row ran out, the database is
	unreachable from it)."""
	from frappe.model.naming import getseries

	if not _holds(key):
		try:
			return str(_increment(key)).zfill(digits)
		except Exception:
			frappe.logger("hsq_naming").warning(
				"series %s: own transaction failed, numbered in the request's", key
			)
	return getseries(key, digits)


def name_without_waiting(doc) -> str:
	"""``doc``'s next name from its ``naming_series``, as Frappe's ``naming_series:`` autoname makes
	it, numbered by :func:`number_in_own_transaction`."""
	from frappe.model.naming import NamingSeries, get_default_naming_series, parse_naming_series

	if not doc.naming_series:
		doc.naming_series = get_default_naming_series(doc.doctype)
	if not doc.naming_series:
		frappe.throw(_("Naming Series mandatory"))
	series = NamingSeries(doc.naming_series + ".#####")
	series.validate()
	return parse_naming_series(series.series.split("."), doc=doc, number_generator=number_in_own_transaction)

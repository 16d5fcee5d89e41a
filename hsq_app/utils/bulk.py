"""Set-based writes for jobs and imports: multi-row INSERTs in chunks and one-statement UPDATEs of
many rows, every value escaped by the connection as a bound parameter is."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import islice

import frappe

CHUNK = 5000
STANDARD = ("name", "creation", "modified", "owner", "modified_by")  # what every row carries


def insert_rows(
	doctype: str,
	fields: Sequence[str],
	rows: Iterable[Sequence],
	*,
	ignore_duplicates: bool = False,
	chunk_size: int = CHUNK,
) -> int:
	"""INSERT (or INSERT IGNORE) ``rows`` (tuples in ``fields`` order) into ``doctype``'s table in
	chunks of ``chunk_size``; returns how many rows were written (duplicates ignored don't count).

	Each value is escaped by the connection's own ``literal`` — what the driver does to a bound
	parameter (pymysql interpolates client-side), with the connection's encoders and its
	NO_BACKSLASH_ESCAPES mode — but once per distinct value: an import repeats most of its values
	(a discharge's patient, institution and dates on each of its follow-ups, the same creation time,
	owner and status on every row), and escaping 700,000 values one by one was most of a 10,000-row
	import's time after frappe.qb's rendering was dropped (benchmarks/README.md)."""
	columns = ", ".join(f"`{f}`" for f in fields)
	verb = "INSERT IGNORE" if ignore_duplicates else "INSERT"
	head = f"{verb} INTO `tab{doctype}` ({columns}) VALUES "
	render = _row_renderer()
	written = 0
	remaining = iter(rows)
	while chunk := tuple(islice(remaining, chunk_size)):
		values = ",".join(map(render, chunk))
		if _IFNULL.search(values):
			# frappe.db.sql rewrites "ifnull(" anywhere in a query's text, so text holding it is bound
			placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
			frappe.db.sql(
				head + ", ".join([placeholders] * len(chunk)),
				tuple(value for row in chunk for value in row),
			)
		else:
			frappe.db.sql(head + values)
		written += affected_rows()
	return written


_IFNULL = re.compile(r"ifnull\(", flags=re.IGNORECASE)  # as frappe.database.database.IFNULL_PATTERN


def _row_renderer():
	"""A function rendering a row (a tuple of values) as ``(lit, lit, ...)``, each value escaped by
	the connection once (a cache per call of :func:`insert_rows`, keyed by type and value)."""
	if not frappe.db._conn:
		frappe.db.connect()
	literal = frappe.db._conn.literal
	cache: dict = {}

	def value(v) -> str:
		key = (v.__class__, v)
		try:
			return cache[key]
		except KeyError:
			cache[key] = text = literal(v)
			return text
		except TypeError:  # unhashable (never a column value in practice): escaped as the driver does
			return literal(v)

	def render(row) -> str:
		return "(" + ",".join(map(value, row)) + ")"

	return render


def affected_rows() -> int:
	"""Rows changed by the last INSERT / UPDATE / DELETE on this connection."""
	return max(frappe.db.sql("SELECT ROW_COUNT()")[0][0], 0)


def dict_rows(fields: Sequence[str], records: Iterable[dict]) -> list[tuple]:
	"""Records keyed by column name as tuples in ``fields`` order (what :func:`insert_rows` takes)."""
	return [tuple(record.get(f) for f in fields) for record in records]


def insert_records(doctype: str, records: Sequence[dict], now=None, **kw) -> int:
	""":func:`insert_rows` for records keyed by field, written by the system at ``now``: each gets a
	random name (unless it has one), creation and modified, and Administrator as owner and editor.
	The fields are the first record's."""
	if not records:
		return 0
	now = now or frappe.utils.now_datetime()
	fields = tuple(dict.fromkeys((*STANDARD, *records[0])))
	system = {"creation": now, "modified": now, "owner": "Administrator", "modified_by": "Administrator"}
	full = ({"name": frappe.generate_hash(length=12), **system, **r} for r in records)
	return insert_rows(doctype, fields, dict_rows(fields, full), **kw)


def update_by_name(doctype: str, values: dict[str, dict]) -> None:
	"""Give each named row its own values in one UPDATE (``values``: name -> {field: value}, the
	same fields for every row): a job's derived fields for a chunk, not a statement a row. Like
	``db.set_value(..., update_modified=False)``: no hooks, ``modified`` untouched; the caller
	clears what it caches."""
	if not values:
		return
	names = list(values)
	fields = list(values[names[0]])
	cases = " ".join(["when %s then %s"] * len(names))
	assignments = ", ".join(f"`{field}` = case `name` {cases} end" for field in fields)
	params = [v for field in fields for name in names for v in (name, values[name][field])]
	frappe.db.sql(f"update `tab{doctype}` set {assignments} where `name` in %s", (*params, names))


def set_values(doctype: str, name: str, values: dict) -> None:
	"""``frappe.db.set_value(doctype, name, values, update_modified=False)`` in plain SQL: one row's
	fields, no hooks, ``modified`` untouched, the row's cached document and the request's cached
	values of the DocType cleared as Frappe clears them. Frappe builds the UPDATE through its query
	engine, which parses its filter with sqlparse: a millisecond of CPU for each SMS delivery's
	outcome, a message per complaint during an intake burst (benchmarks/README.md)."""
	if not values:
		return
	assignments = ", ".join(f"`{field}` = %s" for field in values)
	frappe.db.sql(f"update `tab{doctype}` set {assignments} where `name` = %s", (*values.values(), name))
	frappe.clear_document_cache(doctype, name)
	frappe.db.value_cache.pop(doctype, None)


def clear_cached_docs(doctype: str, names) -> None:
	"""``frappe.clear_document_cache(doctype, name)`` for many rows written behind their documents:
	one Redis DEL now and one after the commit (or rollback), where Frappe's makes two round trips
	for each row."""
	keys = [frappe.get_document_cache_key(doctype, name) for name in names]
	if not keys:
		return

	def clear():
		frappe.cache.delete_value(keys)

	clear()
	frappe.db.after_commit.add(clear)
	frappe.db.after_rollback.add(clear)

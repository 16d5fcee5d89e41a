"""Set-based writes for jobs and imports: multi-row INSERTs with bound parameters, in chunks."""

from __future__ import annotations

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

	Raw SQL with ``%s`` placeholders and one flat tuple of values per chunk, bound by the driver:
	frappe.qb renders a multi-row INSERT term by term in Python, which cost most of an import's time
	(benchmarks/README.md)."""
	columns = ", ".join(f"`{f}`" for f in fields)
	placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
	verb = "INSERT IGNORE" if ignore_duplicates else "INSERT"
	written = 0
	remaining = iter(rows)
	while chunk := tuple(islice(remaining, chunk_size)):
		frappe.db.sql(
			f"{verb} INTO `tab{doctype}` ({columns}) VALUES {', '.join([placeholders] * len(chunk))}",
			tuple(value for row in chunk for value in row),
		)
		written += affected_rows()
	return written


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

"""hsq_app.utils.bulk.insert_rows: every value stored exactly as given, whatever its text (quotes,
backslashes, percent signs, "ifnull(", line breaks, emoji), with each distinct value escaped once by
the connection as a bound parameter is."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import frappe

from hsq_app.utils.bulk import insert_rows

NASTY = [
	"O'Brien \\'; DROP TABLE `tabToDo`; --",
	"100% 满意 %s %% %(name)s",
	"ifnull(description, 'x') 与 IFNULL( 大写",
	"第一行\n第二行\r\n\t缩进 \\n 不是换行",
	"表情 😀 与 \x00 之后",
	"",
	None,
]
FIELDS = ("name", "description", "date", "reference_name", "priority", "status", "creation", "modified")


def _rows(prefix: str) -> list[tuple]:
	when = datetime(2026, 11, 30, 9, 15, 42, 123456)
	rows = []
	for i, text in enumerate(NASTY * 3):  # each value three times: rendered once, reused
		rows.append(
			(
				f"{prefix}-{i:03d}",
				text,
				date(2026, 11, 1 + i % 28),
				text,
				["Low", "Medium", "High"][i % 3],
				"Open",
				when,
				when,
			)
		)
	return rows


def _stored(prefix: str) -> list[tuple]:
	return [
		tuple(r)
		for r in frappe.db.sql(
			f"select {', '.join(f'`{f}`' for f in FIELDS)} from `tabToDo` where name like %s order by name",
			(f"{prefix}-%",),
		)
	]


def test_every_value_round_trips_and_the_chunks_agree():
	try:
		rows = _rows("bulk-rt")
		# chunks of 4: some hold "ifnull(" (sent bound), others not (sent rendered)
		written = insert_rows("ToDo", FIELDS, rows, chunk_size=4)
		assert written == len(rows)
		assert _stored("bulk-rt") == rows
		# the same rows again, ignoring duplicates: nothing written, nothing changed
		assert insert_rows("ToDo", FIELDS, rows, ignore_duplicates=True, chunk_size=5) == 0
		assert _stored("bulk-rt") == rows
	finally:
		frappe.db.rollback()


def test_numbers_dates_and_flags_are_stored_as_their_values():
	fields = ("name", "attempts", "stage_days", "is_special", "due_date", "discharge_date")
	values = [
		("bulk-num-a", 1, Decimal("7"), True, date(2026, 1, 1), None),
		("bulk-num-b", 1, 7, False, date(2026, 1, 1), date(2025, 12, 31)),
		("bulk-num-c", -3, 0, 1, None, date(2026, 1, 1)),
	]
	try:
		assert insert_rows("HSQ Follow Up", fields, values) == 3
		stored = frappe.db.sql(
			f"select {', '.join(fields)} from `tabHSQ Follow Up` where name like 'bulk-num-%' order by name"
		)
		assert [tuple(r) for r in stored] == [
			("bulk-num-a", 1, 7, 1, date(2026, 1, 1), None),
			("bulk-num-b", 1, 7, 0, date(2026, 1, 1), date(2025, 12, 31)),
			("bulk-num-c", -3, 0, 1, None, date(2026, 1, 1)),
		]
	finally:
		frappe.db.rollback()

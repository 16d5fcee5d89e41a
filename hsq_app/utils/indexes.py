"""Composite indexes whose columns change between releases.

``frappe.db.add_index`` adds an index only when its name is missing, so an index redefined under the
same name keeps its old columns on existing sites. :func:`ensure_index` compares the columns the
database holds with the wanted ones and rebuilds the index when they differ."""

from __future__ import annotations

from collections.abc import Sequence

import frappe


def index_columns(doctype: str, name: str) -> list[str]:
	"""The columns of index ``name`` on ``doctype``'s table, in index order ([] when it is missing)."""
	rows = frappe.db.sql(f"SHOW INDEX FROM `tab{doctype}` WHERE Key_name = %s", (name,), as_dict=True)
	return [row.Column_name for row in sorted(rows, key=lambda row: row.Seq_in_index)]


def ensure_index(doctype: str, columns: Sequence[str], name: str) -> bool:
	"""Index ``name`` on exactly ``columns`` (in that order); returns whether it was (re)built.

	A missing index is added; one with other columns is dropped and added again in one ALTER (raw
	SQL: frappe.db has no "replace an index" and two statements would leave the table without it in
	between). DDL commits the transaction: call it from on_doctype_update or a patch."""
	present = index_columns(doctype, name)
	if present == list(columns):
		return False
	table, cols = f"`tab{doctype}`", ", ".join(f"`{c}`" for c in columns)
	if present:
		frappe.db.sql_ddl(f"ALTER TABLE {table} DROP INDEX `{name}`, ADD INDEX `{name}` ({cols})")
	else:
		frappe.db.sql_ddl(f"ALTER TABLE {table} ADD INDEX `{name}` ({cols})")
	return True

"""Which fields of a document changed since it was last saved (by value, as its field types compare)."""

from __future__ import annotations

from collections.abc import Iterable

from frappe.model import no_value_fields, table_fields
from frappe.utils import cint, cstr, flt, get_datetime, getdate


def changed_fields(doc, before, only: Iterable[str] | None = None) -> set[str]:
	"""Names of ``doc``'s fields (child tables compared row by row) whose value differs from
	``before``'s; limited to ``only`` when given. A new document (``before`` None) changed nothing."""
	if before is None:
		return set()
	wanted = set(only) if only is not None else None
	out = set()
	for df in doc.meta.fields:
		if wanted is not None and df.fieldname not in wanted:
			continue
		if df.fieldtype in table_fields:
			if _rows(doc, df.fieldname) != _rows(before, df.fieldname):
				out.add(df.fieldname)
		elif df.fieldtype in no_value_fields:
			continue
		elif normalise(df, doc.get(df.fieldname)) != normalise(df, before.get(df.fieldname)):
			out.add(df.fieldname)
	return out


def normalise(df, value):
	"""A field's value in a form that compares equal when the desk would show the same thing."""
	if df.fieldtype in ("Check", "Int"):
		return cint(value)
	if df.fieldtype in ("Float", "Percent", "Currency"):
		return flt(value)
	if df.fieldtype == "Date":
		return str(getdate(value)) if value else ""
	if df.fieldtype == "Datetime":
		return str(get_datetime(value)) if value else ""
	return cstr(value).strip()


def _rows(doc, fieldname) -> list[tuple]:
	rows = []
	for row in doc.get(fieldname) or []:
		fields = [df for df in row.meta.fields if df.fieldtype not in no_value_fields and not df.read_only]
		rows.append(tuple(normalise(df, row.get(df.fieldname)) for df in fields))
	return rows

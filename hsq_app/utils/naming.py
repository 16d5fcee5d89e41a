"""Names for bulk inserts."""

from __future__ import annotations

import frappe
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
	table = DocType("Series")
	current = frappe.qb.from_(table).where(table.name == key).for_update().select(table.current).run()
	if current and current[0][0] is not None:
		start = cint(current[0][0])
		frappe.qb.update(table).set(table.current, start + count).where(table.name == key).run()
	else:
		start = 0
		frappe.qb.into(table).columns(table.name, table.current).insert(key, count).run()
	return [template.replace("\0", str(n).zfill(digits)) for n in range(start + 1, start + count + 1)]

"""Frappe's own point reads, answered in plain SQL where a complaint's insert asks them.

``frappe.db.get_value`` and ``frappe.db.get_single_value`` build their query through Frappe's query
engine, which runs ``sqlparse`` over every field it is given: about 0.6-1 ms of CPU per read, for
a primary-key lookup that MariaDB answers in a tenth of that (issue 14, benchmarks/README.md,
"Intake request: trimming Frappe's insert"). The reads below are the same reads, in the same
transaction, kept in the same per-request cache (``frappe.db.value_cache``) that Frappe's own
methods read and clear, so Frappe's code finds them there and behaves as before. Raw SQL because
the query builder is what costs here.
"""

from __future__ import annotations

import frappe
from frappe.utils import cast as cast_fieldtype


def single_value(doctype: str, fieldname: str, fieldtype: str | None = None):
	"""``frappe.db.get_single_value(doctype, fieldname)``: the same value, cast the same way, kept
	in the same per-request cache (which ``frappe.db.set_single_value`` clears).

	``fieldtype``: the field's type, where the caller names it, so that the DocType's meta is not
	loaded for the cast. Every request reads a setting before Frappe checks who is asking (the
	before_request hook), and that check empties the request's cache of metas (``set_user``): the
	settings' meta was unpickled twice in every intake request, once in every other one."""
	cache = frappe.db.value_cache.setdefault(doctype, {})
	if fieldname in cache:
		return cache[fieldname]
	if not fieldtype:
		df = frappe.get_meta(doctype).get_field(fieldname)
		if not df:  # Frappe's own message
			return frappe.db.get_single_value(doctype, fieldname)
		fieldtype = df.fieldtype
	row = frappe.db.sql(
		"select `value` from `tabSingles` where `doctype` = %s and `field` = %s", (doctype, fieldname)
	)
	cache[fieldname] = value = cast_fieldtype(fieldtype, row[0][0] if row else None)
	return value


def prime_link_checks(doc) -> None:
	"""Read every plain link of ``doc`` (and of its rows) in one query, into the per-request cache
	from which Frappe's link check (``BaseDocument.get_invalid_links``) takes
	``frappe.db.get_value(doctype, name, "name", cache=True)``.

	Only the links Frappe checks that way: a ``Link`` field (not a Dynamic Link) to a DocType with
	a table of its own, not virtual, whose value fetches nothing into the document. A value that
	does not exist is cached as "no row", as Frappe caches it, so the check fails with Frappe's
	own message. Nothing is checked here: Frappe still checks every link, from these rows."""
	cache = frappe.db.value_cache
	wanted: dict[tuple[str, str, str], None] = {}
	for d in (doc, *doc.get_all_children()):
		meta = d.meta
		for df in meta.get_link_fields():
			value = d.get(df.fieldname)
			if not value or not isinstance(value, str) or not df.options or df.fieldtype != "Link":
				continue
			key = (df.options, value, "name")
			if key in cache or key in wanted or meta.get_fields_to_fetch(df.fieldname):
				continue
			target = frappe.get_meta(df.options)
			if target.issingle or target.get("is_virtual"):
				continue
			wanted[key] = None
	if not wanted:
		return
	keys = list(wanted)
	query = " union all ".join(
		f"select {i}, `name` from `tab{doctype}` where `name` = %s"
		for i, (doctype, _n, _f) in enumerate(keys)
	)
	found = dict(frappe.db.sql(query, [name for _d, name, _f in keys]))
	for i, key in enumerate(keys):
		cache[key] = ((found[i],),) if i in found else ()

"""One guard on Frappe's query engine for every permission-applied query (issue 11, findings 2 and 14).

``DatabaseQuery`` runs get_list, ``/api/resource`` lists, report view, list counts, group-by
counts, export, ``frappe.client.get_value`` and link search. Frappe drops the columns a user may
not read, but still lets them filter, sort, group and compute on them: a count with
``["patient_phone", "like", "139%"]`` recovers a hidden phone number digit by digit. The guard,
wrapped around the engine (queries run with ``ignore_permissions`` are the app's own and untouched):

* refuses a filter, or-filter, sort, group-by or computed column that names a field above the
  user's read permlevel, or a phone number the user only sees masked (:class:`HiddenFieldError`);
* masks those phone numbers in the rows (:mod:`hsq_app.security.masking`);
* notes in the Access Log the documents whose personal data the rows show in clear.
"""

import re

import frappe
from frappe import _
from frappe.model.db_query import DefaultOrderBy

from hsq_app.security import masking

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
PLAIN_COLUMN = re.compile(
	r"^\s*(?:`?(?P<table>tab[^`.]+)`?\.)?`?(?P<column>[A-Za-z_][A-Za-z0-9_]*)`?"
	r"(?:\s+as\s+`?(?P<alias>[^`\s]+)`?)?\s*$",
	re.IGNORECASE,
)


class HiddenFieldError(frappe.PermissionError):
	pass


def identifiers(text) -> set[str]:
	"""The names a piece of SQL refers to (string literals left out)."""
	return set(IDENTIFIER.findall(QUOTED.sub("", str(text or ""))))


def hidden_fields(doctype: str, parenttype: str | None, user: str) -> set[str]:
	"""Fields of the app's `doctype` above the user's read permlevel (Frappe's own DocTypes keep
	Frappe's rules: its code filters on their permlevel fields, such as User's user_type)."""
	from hsq_app.permissions import is_hsq_doctype

	if not is_hsq_doctype(doctype):
		return set()
	meta = frappe.get_meta(doctype)
	levels = {df.permlevel for df in meta.fields if df.permlevel}
	if not levels:
		return set()
	if meta.istable and not parenttype:
		access = set()
	else:
		access = set(meta.get_permlevel_access("read", parenttype=parenttype, user=user))
	return {df.fieldname for df in meta.fields if df.permlevel and df.permlevel not in access}


def _table_doctype(query, table: str | None) -> str:
	if not table:
		return query.doctype
	aliased = query.linked_table_aliases.get(table) or query.linked_table_aliases.get(f"`{table}`")
	return (aliased or f"`{table}`").strip("`")[3:]


def _query_doctypes(query) -> dict[str, str | None]:
	"""DocTypes a query reads, each with the parent whose permissions govern it."""
	doctypes = {query.doctype: query.parent_doctype}
	for table in query.tables:
		doctypes.setdefault(table.strip("`")[3:], query.doctype)
	for table in query.linked_table_aliases.values():
		doctypes.setdefault(table.strip("`")[3:], None)
	return doctypes


def _filter_names(doctype: str, f) -> set[str]:
	if isinstance(f, str):
		return identifiers(f)
	if isinstance(f, dict):
		return set(f)
	from frappe.model.db_query import get_filter

	try:
		return identifiers(get_filter(doctype, f).fieldname)
	except Exception:
		return identifiers(" ".join(str(x) for x in f[:2]))


def _fields_off_limits(query, user: str) -> tuple[set[str], dict[str, set[str]]]:
	"""(fields the user may not name in logic, {doctype: masked fields})."""
	off_limits, masked = set(), {}
	for doctype, parent in _query_doctypes(query).items():
		off_limits |= hidden_fields(doctype, parent, user)
		if m := masking.masked_fields(doctype, parent, user):
			masked[doctype] = m
			off_limits |= m
	return off_limits, masked


def check(query, args) -> None:
	"""Refuse filters, sorts, groups and computed columns on fields the user may not read in clear."""
	user = query.user or frappe.session.user
	if user == "Administrator":
		return
	off_limits, _masked = _fields_off_limits(query, user)
	if not off_limits:
		return
	named = set()
	for f in [*(query.filters or []), *(query.or_filters or [])]:
		named |= _filter_names(query.doctype, f)
	if query.order_by and query.order_by != DefaultOrderBy:  # the DocType's own sort is not the user's
		named |= identifiers(query.order_by)
	named |= identifiers(query.group_by)
	for field in query.fields:
		if field and not PLAIN_COLUMN.match(field):
			named |= identifiers(field)
	if bad := named & off_limits:
		metas = [frappe.get_meta(dt) for dt in _query_doctypes(query)]
		labels = sorted({_(m.get_label(f)) for f in bad for m in metas if m.has_field(f)} or bad)
		frappe.throw(
			_("You may not filter, sort, group or compute on {0}").format(", ".join(labels)),
			HiddenFieldError,
		)


def _columns(query) -> list[tuple[int, str, str, str]]:
	"""(index, doctype, column, output key) of each plain column of the query."""
	out = []
	for i, field in enumerate(query.fields):
		if not field or not (m := PLAIN_COLUMN.match(field)):
			continue
		out.append((i, _table_doctype(query, m["table"]), m["column"], m["alias"] or m["column"]))
	return out


def _names_from_filters(query) -> list[str]:
	for f in query.filters or []:
		if isinstance(f, list | tuple) and len(f) >= 3 and f[-3] == "name" and f[-2] in ("=", "=="):
			return [f[-1]]
	return []


def after_run(query, result):
	"""Mask phone numbers and note the personal data shown in clear."""
	user = query.user or frappe.session.user
	if user == "Administrator" or not result or not isinstance(result, list | tuple):
		return result
	columns = _columns(query)
	_off, masked = _fields_off_limits(query, user)
	to_mask = [(i, key) for i, dt, col, key in columns if col in masked.get(dt, ())]
	personal = [
		(i, key, col)
		for i, dt, col, key in columns
		if dt == query.doctype
		and dt in masking.PERSONAL_DATA_DOCTYPES
		and col in masking.personal_fields(dt)
		and col not in masked.get(dt, ())
	]
	as_dict = not query.as_list
	if to_mask:
		if as_dict:
			for row in result:
				for _i, key in to_mask:
					if key in row:
						row[key] = masking.mask(row[key])
		else:
			indexes = {i for i, _key in to_mask}
			result = type(result)(
				type(row)(masking.mask(v) if i in indexes else v for i, v in enumerate(row)) for row in result
			)
	if personal:
		from hsq_app.security.access_log import note_rows

		name_at = next((i if not as_dict else key for i, dt, col, key in columns if col == "name"), None)
		shown, cols = [], set()
		for row in result:
			get = row.get if as_dict else (lambda k, row=row: row[k] if k < len(row) else None)
			clear = [col for i, key, col in personal if get(key if as_dict else i)]
			if clear:
				cols.update(clear)
				shown.append(get(name_at) if name_at is not None else None)
		if shown:
			names = [n for n in shown if n] or _names_from_filters(query) or [None]
			if names == [None]:
				from hsq_app.security.access_log import note

				note(
					query.doctype,
					None,
					columns=", ".join(sorted(cols)),
					filters=frappe.as_json(query.filters),
				)
			else:
				note_rows(query.doctype, names, sorted(cols))
	return result


def patch() -> None:
	from frappe.model.db_query import DatabaseQuery

	if getattr(DatabaseQuery.prepare_args, "hsq_wrapped", False):
		return
	original_prepare, original_run = DatabaseQuery.prepare_args, DatabaseQuery.build_and_run

	def prepare_args(self):
		args = original_prepare(self)
		if not self.flags.ignore_permissions:
			check(self, args)
		return args

	def build_and_run(self):
		result = original_run(self)
		if self.flags.ignore_permissions or not self.run:
			return result
		return after_run(self, result)

	prepare_args.hsq_wrapped = build_and_run.hsq_wrapped = True
	DatabaseQuery.prepare_args = prepare_args
	DatabaseQuery.build_and_run = build_and_run

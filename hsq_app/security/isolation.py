"""Rows that live beside an isolated document follow that document (issue 11, findings 3 and 4).

User Permissions isolate a DocType through its Link to HSQ Institution. Two kinds of rows have no
such link and were readable across institutions:

* **child-table rows** (HSQ Complaint Staff, HSQ Follow Up Score, ...) queried on their own
  (``frappe.client.get_list(child, parent=...)``): a row is visible only if its parent is;
* **rows that reference a document** through a (DocType, name) pair: Comment, Version, ToDo,
  File, Access Log, Communication, DocShare, Activity Log, Notification Log, Workflow Action, ...:
  a row referencing one of the app's documents is visible only if that document is.

Both are expressed as the permitted names of the parent / referenced DocType, built by Frappe's
own query engine with the user's permissions (a subquery), so whatever isolates the app's
DocTypes isolates these rows too. :mod:`hsq_app.permissions` calls this from its ``*`` hooks.
"""

import re

import frappe

# reference pairs stored in plain Data fields (Dynamic Link fields are found from the meta)
DATA_REFERENCES = {
	"Version": [("ref_doctype", "docname")],
	"File": [("attached_to_doctype", "attached_to_name")],
	"Access Log": [("export_from", "reference_document")],
	"Error Log": [("reference_doctype", "reference_name")],
	"Email Queue": [("reference_doctype", "reference_name")],
	"Notification Log": [("document_type", "document_name")],
	"Energy Point Log": [("reference_doctype", "reference_name")],
	"Milestone": [("reference_type", "reference_name")],
	"Comment": [("link_doctype", "link_name")],
}
# configuration, not data about a document
NOT_REFERENCES = {"User Permission", "Workspace Link", "Workspace Shortcut", "Webhook"}


def _app_doctypes() -> list[str]:
	from hsq_app.permissions import HSQ_MODULES

	def load():
		return frappe.get_all(
			"DocType",
			filters={"module": ("in", HSQ_MODULES), "istable": 0, "issingle": 0, "is_virtual": 0},
			pluck="name",
			order_by="name",
		)

	return frappe.cache.get_value("hsq_isolated_doctypes", load)


def reference_pairs(doctype: str) -> list[tuple[str, str]]:
	"""(DocType field, name field) pairs through which rows of `doctype` reference a document."""
	if doctype in NOT_REFERENCES:
		return []
	meta = frappe.get_meta(doctype)
	pairs = [
		(df.options, df.fieldname) for df in meta.fields if df.fieldtype == "Dynamic Link" and df.options
	]
	pairs += [p for p in DATA_REFERENCES.get(doctype, []) if meta.has_field(p[0]) and meta.has_field(p[1])]
	return list(dict.fromkeys(pairs))


def permitted_names_sql(doctype: str, user: str, parent_doctype: str | None = None) -> str | None:
	"""A subquery of the names of `doctype` the user may read; "" when all; None when none."""
	from frappe.model.db_query import DatabaseQuery

	from hsq_app.permissions import request_cache

	cache = request_cache("permitted names")
	key = (user, doctype, parent_doctype)
	if key in cache:
		return cache[key]
	if not frappe.has_permission(doctype, "read", user=user, parent_doctype=parent_doctype):
		cache[key] = None
	else:
		try:
			sql = DatabaseQuery(doctype, user=user).execute(
				fields=[f"`tab{doctype}`.`name`"],
				order_by="",
				run=0,
				user=user,
				parent_doctype=parent_doctype,
			)
		except frappe.PermissionError:
			sql = None
		else:
			sql = sql if re.search(r"\bwhere\b", sql, re.IGNORECASE) else ""
		cache[key] = sql
	return cache[key]


def _allowed_condition(column: str, doctype: str, user: str) -> str | None:
	"""SQL: the name in `column` is a readable document of `doctype` (None: none is)."""
	sql = permitted_names_sql(doctype, user)
	if sql is None:
		return None
	if sql == "":
		return "1=1"
	return f"{column} in ({sql})"


def reference_conditions(user: str, doctype: str) -> str | None:
	"""permission_query_conditions for rows that reference the app's documents."""
	pairs = reference_pairs(doctype)
	if not pairs:
		return None
	app_doctypes = _app_doctypes()
	conditions = []
	for dt_field, name_field in pairs:
		dt_col, name_col = f"`tab{doctype}`.`{dt_field}`", f"`tab{doctype}`.`{name_field}`"
		options = []
		for ref in app_doctypes:
			allowed = _allowed_condition(name_col, ref, user)
			if allowed == "1=1":
				continue
			options.append((ref, allowed))
		restricted = [ref for ref, _a in options]
		if not restricted:
			continue
		escaped = ", ".join(frappe.db.escape(r) for r in restricted)
		ors = [f"ifnull({dt_col}, '') not in ({escaped})"]
		ors += [f"({dt_col} = {frappe.db.escape(ref)} and {cond})" for ref, cond in options if cond]
		conditions.append("(" + " or ".join(ors) + ")")
	return " and ".join(conditions) or None


def reference_permitted(doc, user: str) -> bool:
	"""has_permission for rows that reference the app's documents."""
	app_doctypes = set(_app_doctypes())
	for dt_field, name_field in reference_pairs(doc.doctype):
		ref, name = doc.get(dt_field), doc.get(name_field)
		if ref not in app_doctypes or not name:
			continue
		if not frappe.db.exists(ref, name) or not frappe.has_permission(ref, "read", name, user=user):
			return False
	return True


def _parents(child: str) -> list[str]:
	def load():
		parents = frappe.get_all(
			"DocField",
			filters={"options": child, "fieldtype": ("in", ("Table", "Table MultiSelect"))},
			pluck="parent",
		)
		parents += frappe.get_all(
			"Custom Field",
			filters={"options": child, "fieldtype": ("in", ("Table", "Table MultiSelect"))},
			pluck="dt",
		)
		return sorted(set(parents))

	return frappe.cache.hget("hsq_child_parents", child, load)


def child_conditions(user: str, doctype: str) -> str:
	"""permission_query_conditions for a child table of the app queried on its own."""
	ors = []
	for parent in _parents(doctype):
		allowed = _allowed_condition(f"`tab{doctype}`.`parent`", parent, user)
		if allowed is None:
			continue
		ors.append(f"(`tab{doctype}`.`parenttype` = {frappe.db.escape(parent)} and {allowed})")
	return "(" + " or ".join(ors) + ")" if ors else "1=0"


def child_permitted(doc, user: str) -> bool:
	if not doc.get("parenttype") or not doc.get("parent"):
		return True
	return bool(frappe.has_permission(doc.parenttype, "read", doc.parent, user=user))


def _parent_checked(original):
	"""Frappe checks a child row loaded on its own against its parent DocType only (the row's
	``parent_doc`` is unset), so ``frappe.client.get`` / ``getdoc`` of another institution's row
	answered. The row's own parent document decides."""

	def has_child_permission(
		child_doctype,
		ptype="read",
		child_doc=None,
		user=None,
		raise_exception=True,
		parent_doctype=None,
		**kw,
	):
		allowed = original(child_doctype, ptype, child_doc, user, raise_exception, parent_doctype, **kw)
		if not allowed or child_doc is None or getattr(child_doc, "parent_doc", None) is not None:
			return allowed
		row = child_doc
		if isinstance(child_doc, str):
			row = frappe.db.get_value(child_doctype, child_doc, ("parent", "parenttype"), as_dict=True)
		parent, parenttype = (row or {}).get("parent"), (row or {}).get("parenttype")
		if not parent or not parenttype or not frappe.db.exists(parenttype, parent):
			return allowed  # a new row of an unsaved document
		return frappe.permissions.has_permission(
			parenttype, ptype=ptype, doc=parent, user=user, raise_exception=raise_exception
		)

	has_child_permission.hsq_wrapped = True
	return has_child_permission


def patch() -> None:
	import frappe.permissions

	if not getattr(frappe.permissions.has_child_permission, "hsq_wrapped", False):
		frappe.permissions.has_child_permission = _parent_checked(frappe.permissions.has_child_permission)

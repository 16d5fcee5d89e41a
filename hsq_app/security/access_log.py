"""The Access Log: one writer for every door that shows personal data in clear (issue 11, finding 14).

Doors are covered where they converge, not one by one:

* single documents: every read door (form, ``frappe.client.get``, ``/api/resource/<dt>/<name>``
  with or without a trailing slash, v2) calls ``Document.apply_fieldlevel_read_permissions``;
  what is left of the personal data afterwards was shown;
* lists, reports, search, ``get_value``: :mod:`hsq_app.security.query_guard` notes the rows of a
  permission-applied query that carry personal data in clear;
* print: ``frappe.www.printview.get_rendered_template`` (print view, ``get_html_and_style``, PDF).

A document shown twice in one request is logged once. Inside an HTTP request rows are written in
``after_request`` (GET requests roll back their own writes); elsewhere they are written at once.
Administrator, the system's own account, is not logged.
"""

import frappe
from werkzeug.wrappers import Request

from hsq_app.security.masking import PERSONAL_DATA_DOCTYPES, personal_fields

MAX_DOCUMENTS_PER_QUERY = 50
UNLOGGED_USERS = ("Administrator", "Guest")


def _in_http_request() -> bool:
	return isinstance(getattr(frappe.local, "request", None), Request)


def _pending() -> list:
	pending = getattr(frappe.local, "hsq_access_log_pending", None)
	if pending is None:
		pending = frappe.local.hsq_access_log_pending = []
	return pending


def _seen() -> dict:
	from hsq_app.permissions import request_cache

	return request_cache("access log")


def door_name() -> str:
	"""The door being used: the request path, or the method called in process."""
	request = getattr(frappe.local, "request", None)
	path = getattr(request, "path", None) if request else None
	if path:
		return path[:140]
	return (frappe.local.form_dict or {}).get("cmd") or "Python"


def note(
	doctype: str,
	document: str | None = None,
	method: str | None = None,
	columns: str | None = None,
	filters: str | None = None,
	once_per_request: bool = True,
	kind: str = "read",
) -> None:
	"""Record that the session user was shown personal data of `document` (or of a list).

	One row per user, document and kind of view (a read through any door, a print, ...) and request.
	"""
	user = frappe.session.user
	if user in UNLOGGED_USERS:
		return
	if once_per_request:
		seen = _seen()
		key = (user, doctype, document or filters, kind)
		if key in seen:
			return
		seen[key] = True
	row = {
		"user": user,
		"export_from": doctype,
		"reference_document": document,
		"method": (method or door_name())[:140],
		"columns": columns,
		"filters": filters,
	}
	if _in_http_request():
		_pending().append(row)
	else:
		_write(row)


def note_rows(doctype: str, names: list[str], columns: list[str]) -> None:
	"""A query showed personal data of these documents: one row each, or one row for a long list."""
	names = [n for n in dict.fromkeys(names) if n]
	if not names:
		return
	cols = ", ".join(sorted(columns))
	if len(names) <= MAX_DOCUMENTS_PER_QUERY:
		for name in names:
			note(doctype, name, columns=cols)
	else:
		note(doctype, None, columns=cols, filters=frappe.as_json(names[:1000]), once_per_request=False)


def _write(row: dict) -> None:
	frappe.get_doc({"doctype": "Access Log", **row}).insert(ignore_permissions=True)


def flush(response=None, request=None, commit: bool = False) -> None:
	pending = _pending()
	frappe.local.hsq_access_log_pending = []
	for row in pending:
		_write(row)
	if pending and commit:
		frappe.db.commit()  # after_request runs after the request's own commit or rollback


def after_request(response=None, request=None) -> None:
	"""after_request hook: write what the request showed."""
	flush(commit=True)


# ---------------------------------------------------------------- single documents and print


def shown_personal_fields(doc, stripped: bool) -> list[str]:
	"""Personal-data fields of `doc` with a value the session user sees."""
	if doc.doctype not in PERSONAL_DATA_DOCTYPES:
		return []
	fields = [f for f in personal_fields(doc.doctype) if doc.get(f)]
	if not stripped:
		fields = [f for f in fields if doc.has_permlevel_access_to(f, permission_type="read")]
	return fields


def _logged_fieldlevel_read(original):
	def apply_fieldlevel_read_permissions(self):
		result = original(self)
		if fields := shown_personal_fields(self, stripped=True):
			note(self.doctype, self.name, columns=", ".join(sorted(fields)))
		return result

	apply_fieldlevel_read_permissions.hsq_wrapped = True
	return apply_fieldlevel_read_permissions


def _logged_print(original):
	def get_rendered_template(doc, *args, **kwargs):
		html = original(doc, *args, **kwargs)
		if getattr(doc, "name", None) and (fields := shown_personal_fields(doc, stripped=False)):
			note(doc.doctype, doc.name, method="Print", columns=", ".join(sorted(fields)), kind="Print")
		return html

	get_rendered_template.hsq_wrapped = True
	return get_rendered_template


def patch() -> None:
	from frappe.model.document import Document
	from frappe.www import printview

	if not getattr(Document.apply_fieldlevel_read_permissions, "hsq_wrapped", False):
		Document.apply_fieldlevel_read_permissions = _logged_fieldlevel_read(
			Document.apply_fieldlevel_read_permissions
		)
	if not getattr(printview.get_rendered_template, "hsq_wrapped", False):
		printview.get_rendered_template = _logged_print(printview.get_rendered_template)

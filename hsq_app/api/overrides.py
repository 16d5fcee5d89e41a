"""Overrides of Frappe endpoints that run queries without the caller's permissions (issue 11).

Each answers through ``frappe.get_list`` (Frappe's query engine with permissions, User
Permissions, the app's query conditions and hsq_app.security.query_guard), for every DocType.
"""

import json

import frappe
from frappe.desk.listview import get_group_by_count as frappe_get_group_by_count
from frappe.desk.search import build_for_autosuggest
from frappe.desk.search import search_widget as frappe_search_widget
from frappe.model import default_fields
from frappe.utils import get_safe_filters

from hsq_app.permissions import is_hsq_doctype, is_unscoped


@frappe.whitelist()
def get_count(doctype, filters=None, debug=False, cache=False):
	"""frappe.client.get_count counts every row whatever the caller may read (Frappe 15)."""
	rows = frappe.get_list(doctype, filters=get_safe_filters(filters), fields=["count(*) as n"], limit=1)
	return rows[0].n if rows else 0


def _readable_filter_fields(doctype: str, filter_fields) -> list[str] | None:
	"""filter_fields of a link search: real fields only (they are pasted into the query)."""
	if not filter_fields:
		return None
	fields = json.loads(filter_fields) if isinstance(filter_fields, str) else filter_fields
	if not isinstance(fields, list):
		return None
	meta = frappe.get_meta(doctype)
	return [f for f in fields if isinstance(f, str) and (meta.has_field(f) or f in default_fields)]


@frappe.whitelist()
def search_widget(
	doctype: str,
	txt: str,
	query: str | None = None,
	searchfield: str | None = None,
	start: int = 0,
	page_length: int = 10,
	filters=None,
	filter_fields=None,
	as_dict: bool = False,
	reference_doctype: str | None = None,
	ignore_user_permissions: bool = False,
):
	"""Link search. ``ignore_user_permissions`` makes Frappe search with no permissions at all,
	which only users who see every institution may ask for; filter_fields are read as the
	list would read them (field-level permissions, masking)."""
	if not is_unscoped(frappe.session.user):
		ignore_user_permissions = False
	fields = _readable_filter_fields(doctype, filter_fields)
	return frappe_search_widget(
		doctype,
		txt,
		query,
		searchfield=searchfield,
		start=start,
		page_length=page_length,
		filters=filters,
		filter_fields=json.dumps(fields) if fields else None,
		as_dict=as_dict,
		reference_doctype=reference_doctype,
		ignore_user_permissions=ignore_user_permissions,
	)


@frappe.whitelist()
def search_link(
	doctype: str,
	txt: str,
	query: str | None = None,
	filters=None,
	page_length: int = 10,
	searchfield: str | None = None,
	reference_doctype: str | None = None,
	ignore_user_permissions: bool = False,
):
	results = search_widget(
		doctype,
		(txt or "").strip(),
		query,
		searchfield=searchfield,
		page_length=page_length,
		filters=filters,
		reference_doctype=reference_doctype,
		ignore_user_permissions=ignore_user_permissions,
	)
	return build_for_autosuggest(results, doctype=doctype)


@frappe.whitelist()
def get_group_by_count(doctype: str, current_filters: str, field: str) -> list[dict]:
	"""The list sidebar's counts. Frappe's "assigned to" branch counts ToDos of every record
	matching the filters, without permissions (and of any DocType with the same names)."""
	if field != "assigned_to":
		return frappe_get_group_by_count(doctype, current_filters, field)
	records = frappe.get_list(
		doctype, filters=frappe.parse_json(current_filters), fields=["name"], order_by="", run=0
	)
	records = records.replace("%", "%%")  # the subquery's own values are already escaped into it
	# raw SQL: the permission-applied subquery comes from Frappe's query engine as text
	return frappe.db.sql(
		f"""select `tabToDo`.allocated_to as name, count(*) as count
		from `tabToDo` join `tabUser` on `tabUser`.name = `tabToDo`.allocated_to
		where `tabToDo`.status != 'Cancelled' and `tabUser`.user_type = 'System User'
			and `tabToDo`.reference_type = %(doctype)s and `tabToDo`.reference_name in ({records})
		group by `tabToDo`.allocated_to order by count desc limit 50""",
		{"doctype": doctype},
		as_dict=True,
	)


@frappe.whitelist()
def get_link_title(doctype, docname):
	"""The title shown for a link. Frappe reads it without permissions; the app's records (a
	patient's name is a discharge record's title) answer only to those who may read them."""
	from frappe.desk.search import get_link_title as frappe_get_link_title

	if is_hsq_doctype(doctype) and not frappe.has_permission(doctype, "read", docname):
		return docname
	return frappe_get_link_title(doctype, docname)


@frappe.whitelist(methods=["POST"])
def unzip_file(name: str):
	"""Frappe unzips any File by name, whoever asks; only someone who may change the file may."""
	from frappe.core.api.file import unzip_file as frappe_unzip_file

	frappe.get_doc("File", name).check_permission("write")
	return frappe_unzip_file(name)

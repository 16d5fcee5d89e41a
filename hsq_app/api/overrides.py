"""Overrides of framework endpoints that would otherwise leak across institutions."""

import frappe
from frappe.client import get_count as frappe_get_count
from frappe.client import get_safe_filters

from hsq_app.permissions import is_hsq_doctype


@frappe.whitelist()
def get_count(doctype, filters=None, debug=False, cache=False):
	"""frappe.client.get_count counts every row whatever the caller may read (Frappe 15).

	For the app's DocTypes count through ``frappe.get_list`` so that permissions, User
	Permissions and query conditions apply exactly as they do to the list itself.
	"""
	if not is_hsq_doctype(doctype):
		return frappe_get_count(doctype, filters=filters, debug=debug, cache=cache)
	rows = frappe.get_list(doctype, filters=get_safe_filters(filters), fields=["count(*) as n"], limit=1)
	return rows[0].n if rows else 0

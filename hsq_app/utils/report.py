# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""What the app's script reports share."""

from frappe import _


def column(fieldname: str, label: str, fieldtype: str = "Data", width: int = 120, options=None, **kw) -> dict:
	"""A report column; `label` is the English message, translated here."""
	return {
		"fieldname": fieldname,
		"label": _(label),
		"fieldtype": fieldtype,
		"width": width,
		"options": options,
		**kw,
	}


def report_scope(user: str | None = None) -> tuple[list[str] | None, str | None]:
	"""(institutions, department) a user's SQL reports are limited to; institutions None means all.

	Mirrors hsq_app.permissions: department-level roles see their own department's complaints.
	"""
	import frappe

	from hsq_app import roles as R
	from hsq_app.permissions import user_department, visible_institutions

	user = user or frappe.session.user
	institutions = visible_institutions(user)
	roles = set(frappe.get_roles(user))
	department = None
	if institutions is not None and roles & set(R.DEPARTMENT_ROLES) and not roles & set(R.INSTITUTION_ROLES):
		department = user_department(user) or "-"
	return institutions, department


def institution_scope(column, user: str | None = None):
	"""A frappe.qb condition keeping ``column`` to the institutions the user may see (None: all).
	The one scoping rule of the app's SQL reports (hsq_app.permissions.visible_institutions)."""
	from hsq_app.permissions import visible_institutions

	allowed = visible_institutions(user)
	return None if allowed is None else column.isin(allowed or [""])


def institutions_in_scope(names: list[str], user: str | None = None) -> list[str]:
	"""``names`` without the institutions the user may not see (same rule as institution_scope)."""
	from hsq_app.permissions import visible_institutions

	allowed = visible_institutions(user)
	return list(names) if allowed is None else [n for n in names if n in set(allowed)]


def ledger_query(doctype: str, fields, filters: dict, equal=()):
	"""(table, query) of a ledger report: ``fields`` of ``doctype`` for the institutions the user may
	see, kept to the filters in ``equal`` that are set (field == value)."""
	import frappe

	T = frappe.qb.DocType(doctype)
	q = frappe.qb.from_(T).select(*(T[f] for f in fields))
	if (scope := institution_scope(T.institution)) is not None:
		q = q.where(scope)
	for field in equal:
		if filters.get(field):
			q = q.where(T[field] == filters[field])
	return T, q

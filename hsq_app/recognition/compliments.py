"""Compliments (表扬): letters, 锦旗, hotline and survey praise, registered like complaints but with no
handling workflow, and counted per staff member and department.

A compliment belongs to an institution (isolation through User Permissions) and a department: when
none is given, the department of the first staff member praised. Department-level users (heads,
handlers) see their department's compliments, institution roles their institution's, the bureau all
(``DEPARTMENT_SCOPED_DOCTYPES`` in :mod:`hsq_app.permissions`).
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import get_datetime

from hsq_app.permissions import department_only
from hsq_app.utils.text import plain_text

COMPLIMENT = "HSQ Compliment"
DESCRIPTION_MAX = 4000


class ComplimentError(frappe.ValidationError):
	pass


def before_validate(doc) -> None:
	doc.description = (plain_text(doc.description) or "")[:DESCRIPTION_MAX]
	doc.from_name = (plain_text(doc.from_name) or "")[:140] or None
	seen = set()
	for row in list(doc.staff):
		if row.staff in seen:
			doc.remove(row)
		seen.add(row.staff)
	if not doc.department and doc.staff:
		doc.department = frappe.db.get_value("HSQ Staff", doc.staff[0].staff, "department")
	if doc.is_new():
		doc.registered_by = frappe.session.user


def validate(doc) -> None:
	if not doc.description:
		frappe.throw(_("Please describe what was praised"), ComplimentError)
	if (
		doc.department
		and frappe.db.get_value("HSQ Department", doc.department, "institution") != doc.institution
	):
		frappe.throw(
			_("Department {0} does not belong to institution {1}").format(doc.department, doc.institution),
			ComplimentError,
		)
	for row in doc.staff:
		if frappe.db.get_value("HSQ Staff", row.staff, "institution") != doc.institution:
			frappe.throw(
				_("Staff member {0} does not belong to institution {1}").format(row.staff, doc.institution),
				ComplimentError,
			)


def counts(institution: str, start, end) -> tuple[dict, dict]:
	"""({staff: compliments}, {department: compliments}) received in [start, end] (dates, inclusive).

	A compliment naming three staff counts once for each of them and once for its department.
	"""
	start, end = get_datetime(f"{start} 00:00:00"), get_datetime(f"{end} 23:59:59.999999")
	C, S = frappe.qb.DocType(COMPLIMENT), frappe.qb.DocType("HSQ Compliment Staff")
	in_period = (C.institution == institution) & (C.received_at >= start) & (C.received_at <= end)
	by_staff = (
		frappe.qb.from_(C)
		.join(S)
		.on((S.parent == C.name) & (S.parenttype == COMPLIMENT))
		.select(S.staff, Count(C.name).distinct())
		.where(in_period)
		.groupby(S.staff)
		.run()
	)
	by_department = (
		frappe.qb.from_(C)
		.select(C.department, Count(C.name))
		.where(in_period & C.department.isnotnull() & (C.department != ""))
		.groupby(C.department)
		.run()
	)
	return dict(by_staff), dict(by_department)


def query_conditions(user: str | None = None, doctype: str | None = None) -> str | None:
	"""Department-level users (heads, handlers) see their own department's compliments."""
	dept = department_only(user or frappe.session.user)
	return f"`tab{COMPLIMENT}`.`department` = {frappe.db.escape(dept)}" if dept else None


def has_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	dept = department_only(user or frappe.session.user)
	if dept and not doc.is_new():
		return doc.get("department") == dept
	return None

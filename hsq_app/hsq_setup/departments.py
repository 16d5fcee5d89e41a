"""Department rules, each written once: which institution a department belongs to, and who
heads it (one rule for complaints, rectification, escalations and worklists).

A user heads department D when they hold HSQ Department Head and their active HSQ Staff post is
in D (the same post that confines what they see, see hsq_app.permissions). HSQ Department's
``department_head`` names the one to address first (worklists, escalations) when it names one of
D's heads; a department whose record names nobody is still headed by its heads.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _

from hsq_app import roles as R
from hsq_app.permissions import active_staff


class DepartmentMismatchError(frappe.ValidationError):
	pass


def department_mismatch(department: str | None, institution: str | None, owner=False) -> str | None:
	"""Why ``department`` cannot be used for ``institution`` (None: it can, or no department).
	``owner`` is the department's institution when the caller has read it already."""
	if not department:
		return None
	if owner is False:
		owner = frappe.db.get_value("HSQ Department", department, "institution")
	if owner is None:
		return _("Department {0} does not exist in institution {1}").format(department, institution)
	if owner != institution:
		return _("Department {0} belongs to {1}, not to {2}").format(department, owner, institution)
	return None


def check_department(department: str | None, institution: str | None) -> None:
	"""Throw DepartmentMismatchError unless ``department`` (if any) belongs to ``institution``."""
	if problem := department_mismatch(department, institution):
		frappe.throw(problem, DepartmentMismatchError)


def is_department_head(user: str, department: str | None) -> bool:
	"""``user`` heads ``department`` (see the module's rule)."""
	if not department or R.DEPARTMENT_HEAD not in frappe.get_roles(user):
		return False
	staff = active_staff(user)
	return bool(staff and staff.department == department)


def head_condition(department_expr: str) -> str:
	"""The workflow condition for "the session user heads the department ``department_expr``"
	(a Python expression over ``doc``), for transitions allowed to HSQ Department Head: the role
	is the workflow's to check, the post is this condition's, as :func:`is_department_head` does."""
	# frappe.safe_eval knows no builtins (not even bool): the expression is truthy or falsy
	return (
		f"{department_expr} and frappe.db.get_value('HSQ Staff', "
		f"{{'user': frappe.session.user, 'status': 'Active', 'department': {department_expr}}}, 'name')"
	)


def heads_of(department: str | None) -> list[str]:
	"""The users heading ``department``, the one its record names first."""
	if not department:
		return []
	return department_heads([department]).get(department, [])


def first_head(department: str | None) -> str | None:
	heads = heads_of(department)
	return heads[0] if heads else None


def department_heads(departments: list[str] | None = None) -> dict[str, list[str]]:
	"""Department -> its heads (named head first), for all departments or the given ones; one
	read of staff posts and roles (jobs call it once per run)."""
	Staff, HasRole = frappe.qb.DocType("HSQ Staff"), frappe.qb.DocType("Has Role")
	query = (
		frappe.qb.from_(Staff)
		.join(HasRole)
		.on((HasRole.parent == Staff.user) & (HasRole.parenttype == "User"))
		.select(Staff.department, Staff.user)
		.distinct()
		.where(
			(Staff.status == "Active") & Staff.department.isnotnull() & (HasRole.role == R.DEPARTMENT_HEAD)
		)
		.orderby(Staff.user)
	)
	if departments is not None:
		query = query.where(Staff.department.isin(departments or [""]))
	heads = defaultdict(list)
	for department, user in query.run():
		heads[department].append(user)
	named_filters = {"department_head": ("is", "set")}
	if departments is not None:
		named_filters["name"] = ("in", departments)
	for name, named in frappe.get_all(
		"HSQ Department", filters=named_filters, fields=["name", "department_head"], as_list=True
	):
		if named in heads.get(name, ()):
			heads[name].remove(named)
			heads[name].insert(0, named)
	return dict(heads)

"""Institution and department isolation (属地管理) for every HSQ DocType.

Isolation rides on Frappe's own User Permissions, kept in step with HSQ Staff
(:func:`sync_user_permissions`):

* a user holding institution- or department-level roles gets a User Permission on
  **HSQ Institution** for their institution. HSQ Institution is a tree, so the permission
  also covers the institution's children. Because it applies to all DocTypes, any DocType
  that declares a Link to HSQ Institution is isolated through every door Frappe has (list,
  form, ``/api/resource``, report view, link search, counts) without code of its own;
* a user whose roles are all department-level (Handler, Department Head) also gets a User
  Permission on **HSQ Department**, applicable to HSQ Complaint only;
* bureau roles get none and see everything.

The two ``*`` hooks below close the gaps User Permissions leave open:

* a user without an active HSQ Staff record sees nothing of the app's DocTypes, unless a bureau
  role (or System Manager) makes them unscoped. Having no HSQ role at all does not: such a user
  (or the intake integration account) is scoped to nothing;
* child-table rows follow their parent, and rows of Frappe's DocTypes that reference one of the
  app's documents (Comment, Version, ToDo, File, ...) follow that document
  (:mod:`hsq_app.security.isolation`).
"""

import frappe
from frappe import _

from hsq_app.roles import BUREAU_ROLES, DEPARTMENT_ROLES, INSTITUTION_ROLES
from hsq_app.security import isolation

HSQ_MODULES = (
	"HSQ Setup",
	"Complaints",
	"Follow Up",
	"Rectification",
	"Inspection",
	"Recognition",
	"Messaging",
	"Survey",
)
DEPARTMENT_SCOPED_DOCTYPES = ("HSQ Complaint",)
# confined to a department-level user's department by the query condition alone (no User Permission)
DEPARTMENT_FILTERED_DOCTYPES = (*DEPARTMENT_SCOPED_DOCTYPES, "HSQ Survey Response", "HSQ Survey Callback")
UNRESTRICTED_USERS = ("Administrator", "Guest")


def is_hsq_doctype(doctype: str) -> bool:
	return frappe.get_meta(doctype).module in HSQ_MODULES if doctype else False


def is_unscoped(user: str, roles: list[str] | None = None) -> bool:
	"""True for users who see every institution: bureau roles, system managers, Administrator.

	A user with no HSQ role is not unscoped: reach comes from a role, never from its absence.
	"""
	if user in UNRESTRICTED_USERS:
		return True
	roles = roles if roles is not None else frappe.get_roles(user)
	return bool(set(roles) & {*BUREAU_ROLES, "System Manager"})


def _staff_cache() -> dict:
	cache = getattr(frappe.local, "hsq_active_staff", None)
	if cache is None:
		cache = frappe.local.hsq_active_staff = {}
	return cache


def request_cache(key: str) -> dict:
	"""A memo for one request (and one test), reset with the staff records it is derived from."""
	return _staff_cache().setdefault(("cache", key), {})


def clear_staff_cache() -> None:
	frappe.local.hsq_active_staff = {}


def active_staff(user: str) -> frappe._dict | None:
	"""The user's active HSQ Staff record (institution, department), cached per request."""
	cache = _staff_cache()
	if user not in cache:
		rows = frappe.get_all(
			"HSQ Staff",
			filters={"user": user, "status": "Active"},
			fields=["name", "institution", "department"],
			limit=1,
		)
		cache[user] = rows[0] if rows else None
	return cache[user]


def _unassigned(user: str) -> bool:
	return not is_unscoped(user) and not active_staff(user)


def department_only(user: str) -> str | None:
	"""The department a department-level user is confined to (None: not confined)."""
	roles = set(frappe.get_roles(user))
	if is_unscoped(user, list(roles)) or roles & set(INSTITUTION_ROLES) or not roles & set(DEPARTMENT_ROLES):
		return None
	staff = active_staff(user)
	return staff.department if staff else None


def query_conditions(user: str | None = None, doctype: str | None = None) -> str | None:
	"""permission_query_conditions for "*".

	Scoped users without a staff record see no HSQ records; department-level users see only
	complaints of their own department, not the institution's undispatched ones (a User
	Permission alone would let rows with an empty department through).
	"""
	user = user or frappe.session.user
	if not doctype:
		return None
	if not is_hsq_doctype(doctype):
		return None if is_unscoped(user) else isolation.reference_conditions(user, doctype)
	if _unassigned(user):
		return "1=0"
	if frappe.get_meta(doctype).istable:
		return None if is_unscoped(user) else isolation.child_conditions(user, doctype)
	if doctype in DEPARTMENT_FILTERED_DOCTYPES and (dept := department_only(user)):
		return f"`tab{doctype}`.`department` = {frappe.db.escape(dept)}"
	return None


def has_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	"""has_permission for "*": the same rules for single documents."""
	user = user or frappe.session.user
	if not is_hsq_doctype(doc.doctype):
		if is_unscoped(user) or isolation.reference_permitted(doc, user):
			return None
		return False
	if _creates_through_intake(doc, ptype, user):
		return None
	if _unassigned(user):
		return False
	if doc.meta.istable and not is_unscoped(user):
		return None if isolation.child_permitted(doc, user) else False
	if doc.doctype in DEPARTMENT_FILTERED_DOCTYPES and (dept := department_only(user)):
		return doc.get("department") == dept
	return None


def _creates_through_intake(doc, ptype, user) -> bool:
	"""The intake integration account reads nothing, but creates complaints (hsq_app.api.intake)."""
	from hsq_app.roles import INTAKE_INTEGRATION

	return (
		ptype == "create" and doc.doctype == "HSQ Complaint" and INTAKE_INTEGRATION in frappe.get_roles(user)
	)


def require_role(*roles: str) -> None:
	"""Like frappe.only_for, but also enforced under tests (only_for is a no-op there)."""
	if frappe.session.user == "Administrator":
		return
	if set(roles).isdisjoint(frappe.get_roles()):
		frappe.throw(
			_("This action is only allowed for {0}").format(", ".join(_(r) for r in roles)),
			frappe.PermissionError,
		)


def desired_user_permissions(roles: list[str], institution: str | None, department: str | None) -> list[dict]:
	"""The User Permission rows a user with these roles and this post should have (pure)."""
	if not institution or is_unscoped("", roles):
		return []
	rows = [
		{
			"allow": "HSQ Institution",
			"for_value": institution,
			"apply_to_all_doctypes": 1,
			"applicable_for": None,
		}
	]
	role_set = set(roles)
	if department and role_set & set(DEPARTMENT_ROLES) and not role_set & set(INSTITUTION_ROLES):
		rows += [
			{
				"allow": "HSQ Department",
				"for_value": department,
				"apply_to_all_doctypes": 0,
				"applicable_for": dt,
			}
			for dt in DEPARTMENT_SCOPED_DOCTYPES
		]
	return rows


def sync_user_permissions(user: str) -> None:
	"""Make the user's User Permissions on HSQ Institution / HSQ Department match their active post."""
	if not user or user in UNRESTRICTED_USERS:
		return
	_staff_cache().pop(user, None)
	staff = active_staff(user)
	roles = frappe.get_roles(user)
	wanted = desired_user_permissions(roles, staff and staff.institution, staff and staff.department)
	key = lambda r: (r["allow"], r["for_value"], r["applicable_for"] or "")  # noqa: E731
	existing = frappe.get_all(
		"User Permission",
		filters={"user": user, "allow": ("in", ("HSQ Institution", "HSQ Department"))},
		fields=["name", "allow", "for_value", "applicable_for", "apply_to_all_doctypes"],
	)
	wanted_keys = {key(r) for r in wanted}
	for row in existing:
		if key(row) not in wanted_keys:
			frappe.delete_doc("User Permission", row.name, ignore_permissions=True, force=True)
	have = {key(r) for r in existing}
	for row in wanted:
		if key(row) not in have:
			frappe.get_doc({"doctype": "User Permission", "user": user, "hide_descendants": 0, **row}).insert(
				ignore_permissions=True
			)
	frappe.cache.hdel("user_permissions", user)
	from hsq_app.install.desk import set_default_workspace

	set_default_workspace(user)


def on_user_roles_changed(doc, method=None):
	"""User.on_update: roles may have moved the user between bureau and institution reach."""
	if frappe.db.exists("HSQ Staff", {"user": doc.name}):
		sync_user_permissions(doc.name)


def user_institution(user: str | None = None) -> str | None:
	staff = active_staff(user or frappe.session.user)
	return staff.institution if staff else None


def user_department(user: str | None = None) -> str | None:
	staff = active_staff(user or frappe.session.user)
	return staff.department if staff else None


def visible_institutions(user: str | None = None) -> list[str] | None:
	"""Institutions the user may see, or None for all (bureau). For reports written in SQL."""
	user = user or frappe.session.user
	if is_unscoped(user):
		return None
	staff = active_staff(user)
	if not staff:
		return []
	from frappe.utils.nestedset import get_descendants_of

	return [
		staff.institution,
		*get_descendants_of("HSQ Institution", staff.institution, ignore_permissions=True),
	]


def assert_same_institution(institution: str, user: str | None = None) -> None:
	allowed = visible_institutions(user)
	if allowed is not None and institution not in allowed:
		frappe.throw(_("You may not act for institution {0}").format(institution), frappe.PermissionError)

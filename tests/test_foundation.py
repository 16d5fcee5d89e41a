"""Foundation: install/migrate idempotence, roles, categories, and isolation through every door."""

import frappe
import pytest
from factories import as_user, make_complaint, make_staff, make_user
from frappe.desk.search import search_link

from hsq_app import roles as R
from hsq_app.hsq_setup.departments import DepartmentMismatchError
from hsq_app.install.defaults import DEFAULT_CATEGORIES, ensure_defaults
from hsq_app.permissions import desired_user_permissions


def test_roles_and_default_categories_exist():
	for role in R.ROLES:
		assert frappe.db.exists("Role", role), role
	for category in DEFAULT_CATEGORIES:
		assert frappe.db.exists("HSQ Complaint Category", category), category


def test_install_defaults_are_idempotent():
	counts = {dt: frappe.db.count(dt) for dt in ("Role", "HSQ Complaint Category")}
	ensure_defaults()
	ensure_defaults()
	assert counts == {dt: frappe.db.count(dt) for dt in counts}


def test_default_category_edited_by_admin_survives_migrate_defaults():
	frappe.db.set_value("HSQ Complaint Category", "Fees", "description", "收费问题（本县）")
	ensure_defaults()
	assert frappe.db.get_value("HSQ Complaint Category", "Fees", "description") == "收费问题（本县）"


def test_site_speaks_chinese():
	assert frappe.db.get_single_value("System Settings", "language") == "zh"


def test_desired_user_permissions_by_reach():
	assert desired_user_permissions([R.BUREAU_ADMIN], "局", None) == []
	rows = desired_user_permissions([R.QUALITY_OFFICER], "A", "A-内科")
	assert [(r["allow"], r["for_value"]) for r in rows] == [("HSQ Institution", "A")]
	rows = desired_user_permissions([R.HANDLER], "A", "A-内科")
	assert {(r["allow"], r["for_value"], r["applicable_for"]) for r in rows} == {
		("HSQ Institution", "A", None),
		("HSQ Department", "A-内科", "HSQ Complaint"),
	}
	# a department head who is also quality officer sees the whole institution
	rows = desired_user_permissions([R.HANDLER, R.QUALITY_OFFICER], "A", "A-内科")
	assert [r["allow"] for r in rows] == ["HSQ Institution"]


@pytest.fixture
def world(shared_world):
	w = shared_world
	w.ca1 = make_complaint(w.a.institution, department=w.a.dept1).name
	w.ca2 = make_complaint(w.a.institution, department=w.a.dept2).name
	w.cb1 = make_complaint(w.b.institution, department=w.b.dept1).name
	return w


def rest_count(doctype):
	"""GET /api/method/frappe.client.get_count, as the request handler dispatches it."""
	from frappe.handler import execute_cmd

	frappe.local.form_dict = frappe._dict(doctype=doctype)
	frappe.local.request = frappe._dict(method="GET")
	try:
		return execute_cmd("frappe.client.get_count")
	finally:
		del frappe.local.request


def desk_count(doctype):
	"""The list view's count (frappe.desk.reportview.get_count)."""
	from frappe.desk.reportview import get_count

	frappe.local.form_dict = frappe._dict(doctype=doctype)
	return get_count()


def test_isolation_list_count_form_and_link_search(world):
	w = world
	as_user(w.a.officer)
	names = set(frappe.get_list("HSQ Complaint", pluck="name"))
	assert {w.ca1, w.ca2} <= names and w.cb1 not in names
	assert rest_count("HSQ Complaint") == len(names)
	assert desk_count("HSQ Complaint") == len(names)
	assert frappe.has_permission("HSQ Complaint", "read", w.ca1)
	assert not frappe.has_permission("HSQ Complaint", "read", w.cb1)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("HSQ Complaint", w.cb1).check_permission("read")
	# link search offers only the user's own institution and its departments
	inst = {r["value"] for r in search_link("HSQ Institution", "", page_length=100)}
	assert w.a.institution in inst and w.b.institution not in inst and w.bureau not in inst
	depts = {r["value"] for r in search_link("HSQ Department", "", page_length=100)}
	assert {w.a.dept1, w.a.dept2} <= depts and w.b.dept1 not in depts
	staff = frappe.get_list("HSQ Staff", fields=["institution"], distinct=True, pluck="institution")
	assert set(staff) == {w.a.institution}


def test_report_view_group_by_counts_are_isolated(world):
	as_user(world.a.leader)
	from frappe.desk.listview import get_group_by_count

	rows = get_group_by_count("HSQ Complaint", "[]", "institution")
	assert {r["name"] for r in rows} == {world.a.institution}


def test_department_roles_see_only_their_department(world):
	w = world
	for user in (w.a.handler1, w.a.head1):
		as_user(user)
		names = set(frappe.get_list("HSQ Complaint", pluck="name"))
		assert w.ca1 in names and w.ca2 not in names and w.cb1 not in names
		assert not frappe.has_permission("HSQ Complaint", "read", w.ca2)


def test_bureau_roles_see_everything(world):
	for user in (world.bureau_admin, world.inspector):
		as_user(user)
		names = set(frappe.get_list("HSQ Complaint", pluck="name"))
		assert {world.ca1, world.ca2, world.cb1} <= names


def test_cannot_register_for_another_institution(world):
	as_user(world.a.officer)
	with pytest.raises(frappe.PermissionError):
		make_complaint(world.b.institution)


def test_scoped_user_without_staff_sees_nothing(world):
	loner = make_user(R.QUALITY_OFFICER)
	as_user(loner)
	assert frappe.get_list("HSQ Complaint") == []
	assert not frappe.has_permission("HSQ Complaint", "read", world.ca1)


def test_moving_and_deactivating_staff_follows_the_post(world):
	w = world
	staff = frappe.get_doc("HSQ Staff", {"user": w.a.officer})
	staff.institution, staff.department = w.b.institution, None
	staff.save()
	as_user(w.a.officer)
	names = set(frappe.get_list("HSQ Complaint", pluck="name"))
	assert w.cb1 in names and w.ca1 not in names
	frappe.set_user("Administrator")
	staff.reload()
	staff.status = "Inactive"
	staff.save()
	assert frappe.db.get_value("User", w.a.officer, "enabled") == 0


def test_child_institutions_are_visible_to_parent_users(world):
	from factories import make_institution

	as_user(world.a.officer)
	frappe.get_list("HSQ Complaint")  # the officer's permissions are now cached
	frappe.set_user("Administrator")
	child = make_institution("分院" + world.a.institution, parent=world.a.institution)
	cc = make_complaint(child).name
	as_user(world.a.officer)
	assert cc in set(frappe.get_list("HSQ Complaint", pluck="name"))


def test_records_are_never_deleted(world):
	with pytest.raises(frappe.ValidationError):
		frappe.delete_doc("HSQ Complaint", world.ca1)
	with pytest.raises(frappe.ValidationError):
		frappe.delete_doc("HSQ Institution", world.a.institution)
	with pytest.raises(frappe.ValidationError):
		frappe.delete_doc("HSQ Staff", frappe.db.get_value("HSQ Staff", {"user": world.a.admin}))


def test_staff_department_must_belong_to_institution(world):
	with pytest.raises(DepartmentMismatchError, match="belongs to"):
		make_staff(world.a.institution, department=world.b.dept1)


def test_desk_labels_are_translated():
	from frappe import _

	frappe.local.lang = "zh"
	try:
		assert _("HSQ Complaint") == "投诉"
		assert _("Letters and Visits") == "信访"
		assert _("HSQ Quality Officer") == "投诉管理专员"
	finally:
		frappe.local.lang = "en"


def test_department_roles_do_not_see_undispatched_complaints(world):
	undispatched = make_complaint(world.a.institution).name
	for user in (world.a.handler1, world.a.head2):
		as_user(user)
		assert undispatched not in set(frappe.get_list("HSQ Complaint", pluck="name"))
		assert not frappe.has_permission("HSQ Complaint", "read", undispatched)
	as_user(world.a.officer)
	assert frappe.has_permission("HSQ Complaint", "read", undispatched)


def test_the_translation_file_defines_each_message_once():
	"""Two engineers adding the same message leave two definitions: gettext refuses the file and
	which one Frappe shows is an accident."""
	import re
	from collections import Counter
	from pathlib import Path

	po = (Path(frappe.get_app_path("hsq_app")) / "locale" / "zh.po").read_text(encoding="utf-8")
	keys = re.findall(r'^(?:msgctxt "((?:[^"\\]|\\.)*)"\n)?msgid "((?:[^"\\]|\\.)*)"', po, flags=re.M)
	assert [k for k, n in Counter(keys).items() if n > 1] == []

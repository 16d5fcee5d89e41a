"""The desk's rules behind issue 13, through users' doors (the browser tests show them on screen):
who gets a complaint raised from a call, who may be chosen as handler, the officers' quick search,
list titles, Chinese phone numbers, the form's field policy at boot."""

import frappe
import pytest
from complaint_steps import act, in_state, registered
from factories import as_user, discharge_by_mrn, discharge_row, follow_ups_of

from hsq_app.complaints import titles
from hsq_app.complaints import workflow as wf
from hsq_app.complaints.api import get_handler_choices, search_by_phone_or_code


def _open_todos(name):
	return set(
		frappe.get_all(
			"ToDo",
			filters={"reference_type": "HSQ Complaint", "reference_name": name, "status": "Open"},
			pluck="allocated_to",
		)
	)


def test_a_complaint_raised_from_a_call_goes_to_the_officers_not_the_agent(shared_world):
	from hsq_app.api.follow_up import import_discharges, make_complaint

	w = shared_world
	row = discharge_row(w.a.institution, w.a.dept1, frappe.utils.today())
	as_user(w.a.agent)
	import_discharges([row])
	first = follow_ups_of(discharge_by_mrn(w.a.institution, row["medical_record_no"]))[0].name
	frappe.db.set_value("HSQ Follow Up", first, "issue_found", "出院带药说明不清")
	name = make_complaint(first)
	frappe.set_user("Administrator")
	assert frappe.db.get_value("HSQ Complaint", name, "registered_by") == w.a.agent  # 首诉 kept
	assert _open_todos(name) == {w.a.officer}


def test_an_officer_who_registers_keeps_the_complaint(shared_world):
	name = registered(shared_world)
	assert _open_todos(name) == {shared_world.a.officer}


def test_the_head_chooses_among_the_departments_handlers_and_the_handler_is_told(shared_world):
	w = shared_world
	name = in_state(w, wf.DISPATCHED)
	as_user(w.a.head1)
	choices = get_handler_choices(name)
	users = {c["value"] for c in choices["choices"]}
	assert w.a.handler1 in users and w.a.handler2 not in users and w.b.handler1 not in users
	frappe.set_user("Administrator")
	act(w.a.head1, name, "Accept", handler=w.a.handler1)
	assert frappe.db.get_value("HSQ Complaint", name, "handler") == w.a.handler1
	assert _open_todos(name) == {w.a.handler1}
	todo_date = frappe.db.get_value(
		"ToDo", {"reference_name": name, "status": "Open"}, "date"
	)  # 我的待办 by deadline
	resolve_by = frappe.db.get_value("HSQ Complaint", name, "resolve_by")
	assert todo_date == frappe.utils.getdate(resolve_by)


def test_another_institution_cannot_ask_who_handles_a_complaint(shared_world):
	w = shared_world
	name = in_state(w, wf.DISPATCHED)
	as_user(w.b.head1)
	with pytest.raises((frappe.PermissionError, frappe.DoesNotExistError)):
		get_handler_choices(name)
	frappe.set_user("Administrator")


def test_officers_find_a_complaint_by_phone_or_tracking_code_within_their_reach(shared_world):
	w = shared_world
	name = registered(w, complainant_phone="139 1234 5678")
	code = frappe.db.get_value("HSQ Complaint", name, "tracking_code")
	as_user(w.a.officer)
	assert name in search_by_phone_or_code("13912345678")
	assert search_by_phone_or_code(code.lower()) == [name]
	as_user(w.b.officer)
	assert name not in search_by_phone_or_code("13912345678")
	as_user(w.a.handler1)
	with pytest.raises(frappe.PermissionError):
		search_by_phone_or_code("13912345678")
	frappe.set_user("Administrator")


def test_list_titles_mask_the_name_and_tell_cases_apart(shared_world):
	name = registered(
		shared_world, complainant_name="欧阳娜娜", description="门诊排队两小时无人引导，分诊台也没有人"
	)
	summary = frappe.db.get_value("HSQ Complaint", name, "summary")
	assert summary.startswith("欧*** · 门诊排队两小时") and "娜" not in summary
	assert titles.mask_name("王五") == "王*" and titles.mask_name("") == ""
	anonymous = registered(shared_world, is_anonymous=1)
	assert "张" not in frappe.db.get_value("HSQ Complaint", anonymous, "summary")


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "0571-87654321", "010 12345678"])
def test_chinese_mobile_and_landline_numbers_are_accepted(shared_world, phone):
	assert registered(shared_world, complainant_phone=phone)


@pytest.mark.parametrize("phone", ["12345", "23812345678", "1381234567", "call me"])
def test_other_numbers_are_refused(shared_world, phone):
	with pytest.raises(frappe.ValidationError):
		registered(shared_world, complainant_phone=phone)


def test_the_form_is_told_the_field_policy_and_the_users_post(shared_world):
	from hsq_app.install.desk import complaint_form_boot

	w = shared_world
	as_user(w.a.officer)
	boot = frappe._dict()
	complaint_form_boot(boot)
	frappe.set_user("Administrator")
	assert boot.hsq_post.institution == w.a.institution
	assert "description" in boot.hsq_editable[wf.REGISTERED]
	assert "finding" not in boot.hsq_editable[wf.RESOLVED]  # an approved finding stays as approved
	assert boot.hsq_editable[wf.RESOLVED] == ["complainant_feedback"]


def test_the_agent_reads_no_rectification_panel_and_gets_no_error(shared_world):
	from hsq_app.rectification.api import tasks_for

	w = shared_world
	as_user(w.a.agent)
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "Follow Up",
			"received_at": frappe.utils.now_datetime(),
			"institution": w.a.institution,
			"category": "Other",
			"description": "回访发现问题",
		}
	).insert()
	assert tasks_for("Complaint", doc.name) == []
	frappe.set_user("Administrator")

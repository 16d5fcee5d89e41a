"""The agent's calls: questionnaire, outcomes, who sees which patient and phone, complaint in one click."""

import frappe
import pytest
from factories import (
	as_user,
	complete_follow_up,
	discharge_by_mrn,
	discharge_row,
	follow_ups_of,
	set_settings,
	uid,
)

from hsq_app.api.follow_up import import_discharges, make_complaint
from hsq_app.follow_up.setup import DEFAULT_DIMENSIONS, DEFAULT_TEMPLATE, ensure_defaults


@pytest.fixture
def calls(shared_world):
	"""One patient per hospital, three follow-ups each."""
	w = shared_world
	set_settings(follow_up_offsets="0,7,30")
	w.row_a = discharge_row(w.a.institution, w.a.dept1, "2026-03-02", patient_phone="13911112222")
	w.row_b = discharge_row(w.b.institution, w.b.dept1, "2026-03-02", patient_phone="13933334444")
	import_discharges([w.row_a, w.row_b])
	w.dr_a = discharge_by_mrn(w.a.institution, w.row_a["medical_record_no"])
	w.dr_b = discharge_by_mrn(w.b.institution, w.row_b["medical_record_no"])
	w.fu_a = [f.name for f in follow_ups_of(w.dr_a)]
	w.fu_b = [f.name for f in follow_ups_of(w.dr_b)]
	return w


def test_default_questionnaire_is_installed_once_and_kept():
	ensure_defaults()
	ensure_defaults()
	template = frappe.get_doc("HSQ Questionnaire Template", DEFAULT_TEMPLATE)
	assert [d.dimension for d in template.dimensions] == list(DEFAULT_DIMENSIONS)
	assert template.is_active and not template.institution
	template.dimensions[0].question = "本县修改过的问题"
	template.save()
	ensure_defaults()
	assert frappe.db.count("HSQ Questionnaire Template", {"template_name": DEFAULT_TEMPLATE}) == 1
	assert (
		frappe.get_doc("HSQ Questionnaire Template", DEFAULT_TEMPLATE).dimensions[0].question
		== "本县修改过的问题"
	)


def test_completing_needs_the_overall_satisfaction(calls):
	w = calls
	as_user(w.a.agent)
	doc = frappe.get_doc("HSQ Follow Up", w.fu_a[0])
	assert doc.questionnaire_template == DEFAULT_TEMPLATE
	doc.status = "Completed"
	with pytest.raises(frappe.ValidationError):
		doc.save()


def test_completing_a_call(calls):
	w = calls
	as_user(w.a.agent)
	doc = complete_follow_up(w.fu_a[0], satisfaction=4, scores={"Fees": 2})
	assert [r.dimension for r in doc.scores] == list(DEFAULT_DIMENSIONS)
	assert {r.dimension: r.score for r in doc.scores}["Fees"] == 2
	assert doc.status == "Completed" and doc.completed_at and doc.attempts == 1
	doc.scores[0].score = 6
	with pytest.raises(frappe.ValidationError):
		doc.save()
	unreachable = complete_follow_up(w.fu_a[1], status="Unreachable")
	assert unreachable.completed_at is None and unreachable.attempts == 1


def test_an_institutions_own_questionnaire_comes_first(calls):
	w = calls
	as_user(w.a.officer)
	own = frappe.get_doc(
		{
			"doctype": "HSQ Questionnaire Template",
			"template_name": uid("问卷"),
			"dimensions": [{"dimension": "Nursing"}, {"dimension": "康复指导"}],
		}
	).insert()
	assert own.institution == w.a.institution  # an institution cannot write a county-wide one
	frappe.set_user("Administrator")
	row = discharge_row(w.a.institution, w.a.dept1, "2026-03-03")
	import_discharges([row])
	fu = follow_ups_of(discharge_by_mrn(w.a.institution, row["medical_record_no"]))[0]
	doc = frappe.get_doc("HSQ Follow Up", fu.name)
	doc.save()
	assert doc.questionnaire_template == own.name and [r.dimension for r in doc.scores] == [
		"Nursing",
		"康复指导",
	]
	fu_b = frappe.get_doc("HSQ Follow Up", w.fu_b[0])
	assert fu_b.questionnaire_template == DEFAULT_TEMPLATE


def test_an_agent_sees_only_their_institutions_patients(calls):
	w = calls
	as_user(w.a.agent)
	for doctype, mine, theirs in (
		("HSQ Follow Up", w.fu_a, w.fu_b),
		("HSQ Discharge Record", [w.dr_a], [w.dr_b]),
	):
		names = set(frappe.get_list(doctype, pluck="name", limit=0))
		assert set(mine) <= names and not set(theirs) & names
		assert not frappe.has_permission(doctype, "read", theirs[0])
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("HSQ Follow Up", w.fu_b[0]).check_permission("read")


def test_phone_numbers_only_for_the_roles_that_call(calls):
	from frappe.desk.form.load import getdoc

	w = calls
	for user, sees in (
		(w.a.agent, True),
		(w.a.officer, True),
		(w.inspector, True),
		(w.a.handler1, False),
		(w.a.head1, False),
		(w.a.leader, False),
	):
		as_user(user)
		for doctype, name in (("HSQ Follow Up", w.fu_a[0]), ("HSQ Discharge Record", w.dr_a)):
			rows = frappe.get_list(doctype, filters={"name": name}, fields=["name", "patient_phone"])
			assert rows and (rows[0].get("patient_phone") == "13911112222") == sees, (user, doctype)
			getdoc(doctype, name)
			assert (frappe.response.docs[-1].get("patient_phone") == "13911112222") == sees, (user, doctype)


def test_handlers_cannot_work_follow_ups(calls):
	w = calls
	as_user(w.a.handler1)
	assert frappe.has_permission("HSQ Follow Up", "read", w.fu_a[0])
	assert not frappe.has_permission("HSQ Follow Up", "write", w.fu_a[0])


def test_an_issue_becomes_a_complaint_in_one_click(calls):
	w = calls
	as_user(w.a.agent)
	complete_follow_up(w.fu_a[0], satisfaction=2, issue="出院带药说明不清楚，护士态度差")
	name = make_complaint(w.fu_a[0])
	complaint = frappe.get_doc("HSQ Complaint", name)
	assert complaint.channel == "Follow Up" and complaint.category == "Other"
	assert (complaint.institution, complaint.department) == (w.a.institution, w.a.dept1)
	assert complaint.patient_name == w.row_a["patient_name"] == complaint.complainant_name
	assert complaint.description == "出院带药说明不清楚，护士态度差" and complaint.external_ref == w.fu_a[0]
	assert frappe.db.get_value("HSQ Follow Up", w.fu_a[0], "complaint") == name
	assert make_complaint(w.fu_a[0]) == name  # a second click makes no second complaint
	assert frappe.db.count("HSQ Complaint", {"external_ref": w.fu_a[0]}) == 1


def test_no_complaint_without_an_issue_or_by_readers(calls):
	w = calls
	as_user(w.a.agent)
	with pytest.raises(frappe.ValidationError):
		make_complaint(w.fu_a[1])
	frappe.set_user("Administrator")
	frappe.db.set_value("HSQ Follow Up", w.fu_a[1], "issue_found", "病房太吵")
	as_user(w.a.officer)  # reads follow-ups, does not work them
	with pytest.raises(frappe.PermissionError):
		make_complaint(w.fu_a[1])
	as_user(w.b.agent)
	with pytest.raises(frappe.PermissionError):
		make_complaint(w.fu_a[1])


def test_follow_ups_are_never_deleted(calls):
	with pytest.raises(frappe.ValidationError):
		frappe.delete_doc("HSQ Follow Up", calls.fu_a[0])

"""Accountability (问责): the staff and institution ladders, recounts, decisions and isolation."""

from datetime import datetime

import frappe
import pytest
from factories import as_user, close_complaint, make_complaint, make_staff, reopen_complaint

from hsq_app.rectification import accountability as A
from hsq_app.rectification.report.accountability_ledger import accountability_ledger
from hsq_app.rectification.setup import DEFAULT_RULES, ensure_default_rules


def decide(name, method, *args):
	"""What the record's Approve / Dismiss Record buttons call (HSQAccountabilityRecord's methods)."""
	return getattr(frappe.get_doc(RECORD, name), method)(*args)


RECORD = "HSQ Accountability Record"
YEAR = 2025


@pytest.fixture
def w(shared_world):
	w = shared_world
	w.nurse = make_staff(w.a.institution, department=w.a.dept1, name="护士甲")
	w.doctor = make_staff(w.a.institution, department=w.a.dept1, name="医生乙")
	w.b_nurse = make_staff(w.b.institution, department=w.b.dept1, name="护士丙")
	return w


def upheld(w, staff=None, when=None, key="a", category="Fees", finding="Upheld"):
	"""A complaint against ``staff`` received ``when``, closed with ``finding``."""
	doc = make_complaint(
		w[key].institution,
		department=w[key].dept1,
		category=category,
		received_at=when or datetime(YEAR, 6, 1, 10, 0),
	)
	return close_complaint(doc, finding=finding, staff=staff)


def records(subject, year=YEAR, **filters):
	field = "staff" if frappe.db.exists("HSQ Staff", subject) else "institution"
	return frappe.get_all(
		RECORD,
		filters={field: subject, "year": year, **filters},
		fields=["name", "rule", "status", "count", "action", "threshold", "dismiss_reason", "needs_review"],
		order_by="threshold asc",
	)


def rules(subject, year=YEAR, **filters):
	return [r.rule for r in records(subject, year, **filters)]


def test_default_ladders_are_installed_once():
	before = frappe.db.count("HSQ Accountability Rule")
	ensure_default_rules()
	assert frappe.db.count("HSQ Accountability Rule") == before
	actions = set(frappe.get_all("HSQ Accountability Rule", pluck="action"))
	assert {r[3] for r in DEFAULT_RULES} <= actions
	assert frappe.db.get_value("HSQ Accountability Rule", "Staff-Any-3", "action") == "停薪留职一年"
	assert (
		frappe.db.get_value("HSQ Accountability Rule", "Institution-Service Attitude-3", "action")
		== "全县通报批评并提交局党组"
	)


def test_edited_rule_survives_migrate_defaults():
	frappe.db.set_value("HSQ Accountability Rule", "Staff-Any-1", "action", "全县通报批评（含所在科室）")
	ensure_default_rules()
	assert (
		frappe.db.get_value("HSQ Accountability Rule", "Staff-Any-1", "action")
		== "全县通报批评（含所在科室）"
	)


def test_staff_ladder_every_step(w):
	upheld(w, w.nurse, finding="Not Upheld")
	assert records(w.nurse) == []
	upheld(w, w.nurse)
	assert rules(w.nurse) == ["Staff-Any-1"]
	upheld(w, w.nurse, finding="Partially Upheld")
	assert rules(w.nurse) == ["Staff-Any-1", "Staff-Any-2"]
	r2 = records(w.nurse)[1]
	assert (r2.action, r2.count, r2.status) == ("当年不得评优评先、五年内不得晋升职称", 2, "Proposed")
	upheld(w, w.nurse)
	recs = records(w.nurse)
	assert [r.rule for r in recs] == ["Staff-Any-1", "Staff-Any-2", "Staff-Any-3"]
	assert [r.count for r in recs] == [3, 3, 3]
	assert recs[2].action == "停薪留职一年"
	assert frappe.db.get_value(RECORD, recs[0].name, "institution") == w.a.institution
	assert len(frappe.get_doc(RECORD, recs[2].name).complaints) == 3
	assert records(w.doctor) == []


def test_done_when_third_sanction_proposed_once_and_dismissal_sticks(w):
	upheld(w, w.nurse, when=datetime(YEAR, 2, 1))
	upheld(w, w.nurse, when=datetime(YEAR, 3, 1))
	before = {r.name for r in records(w.nurse)}
	third = upheld(w, w.nurse, when=datetime(YEAR, 4, 1))
	new = [r for r in records(w.nurse) if r.name not in before]
	assert [(r.rule, r.action) for r in new] == [("Staff-Any-3", "停薪留职一年")]

	# proposing again changes nothing
	close_complaint(third)
	A.recompute_year(YEAR)
	assert len(records(w.nurse, rule="Staff-Any-3")) == 1

	as_user(w.bureau_admin)
	with pytest.raises(A.AccountabilityError):
		decide(new[0].name, "dismiss", "")
	decide(new[0].name, "dismiss", "已在科室内部处理，经党组研究不予停薪")
	as_user("Administrator")
	rec = records(w.nurse, rule="Staff-Any-3")
	assert [(r.status, r.dismiss_reason) for r in rec] == [
		("Dismissed", "已在科室内部处理，经党组研究不予停薪")
	]
	assert frappe.db.get_value(RECORD, new[0].name, "decided_by") == w.bureau_admin

	# re-running proposes nothing new, a fourth complaint neither (no rule above 3)
	A.recompute_year(YEAR)
	close_complaint(third)
	upheld(w, w.nurse, when=datetime(YEAR, 5, 1))
	rec = records(w.nurse, rule="Staff-Any-3")
	assert len(rec) == 1 and rec[0].status == "Dismissed"
	assert len(records(w.nurse)) == 3


def test_counts_are_per_calendar_year(w):
	upheld(w, w.nurse, when=datetime(YEAR, 12, 31, 23, 59, 59))
	upheld(w, w.nurse, when=datetime(YEAR + 1, 1, 1, 0, 0, 0))
	assert rules(w.nurse, YEAR) == ["Staff-Any-1"]
	assert rules(w.nurse, YEAR + 1) == ["Staff-Any-1"]
	upheld(w, w.nurse, when=datetime(YEAR + 1, 1, 2))
	assert rules(w.nurse, YEAR) == ["Staff-Any-1"]
	assert rules(w.nurse, YEAR + 1) == ["Staff-Any-1", "Staff-Any-2"]
	assert records(w.nurse, YEAR)[0].count == 1


def test_institution_ladder_every_step_counts_service_attitude_only(w):
	inst = w.a.institution
	upheld(w, category="Fees")
	upheld(w, category="Waiting Time")
	assert records(inst, subject_type="Institution") == []
	steps = [
		["Institution-Service Attitude-1"],
		["Institution-Service Attitude-1", "Institution-Service Attitude-2"],
		[
			"Institution-Service Attitude-1",
			"Institution-Service Attitude-2",
			"Institution-Service Attitude-3",
		],
	]
	for i, expected in enumerate(steps):
		upheld(w, category="Service Attitude", finding="Partially Upheld" if i == 1 else "Upheld")
		assert rules(inst, subject_type="Institution") == expected
	actions = [r.action for r in records(inst, subject_type="Institution")]
	assert actions == ["约谈分管负责人", "约谈主要负责人", "全县通报批评并提交局党组"]
	# a December and a January complaint are two years
	upheld(w, category="Service Attitude", when=datetime(YEAR + 1, 1, 1))
	assert rules(inst, YEAR + 1, subject_type="Institution") == ["Institution-Service Attitude-1"]
	assert records(w.b.institution, subject_type="Institution") == []


def test_reopening_and_finding_changes_recount(w):
	first = upheld(w, w.nurse, when=datetime(YEAR, 2, 1))
	second = upheld(w, w.nurse, when=datetime(YEAR, 3, 1))
	r1, r2 = records(w.nurse)
	reopen_complaint(second)
	recs = {r.rule: r for r in records(w.nurse)}
	assert (recs["Staff-Any-1"].status, recs["Staff-Any-1"].count) == ("Proposed", 1)
	assert (recs["Staff-Any-2"].status, recs["Staff-Any-2"].dismiss_reason) == (
		"Dismissed",
		"复核后不再满足条件",
	)

	# closed upheld again: the same proposal comes back, not a second one
	close_complaint(second)
	recs = records(w.nurse)
	assert [(r.name, r.status, r.count) for r in recs] == [
		(r1.name, "Proposed", 2),
		(r2.name, "Proposed", 2),
	]
	assert frappe.db.get_value(RECORD, r2.name, "dismiss_reason") is None

	# the finding changes on review
	close_complaint(first, finding="Not Upheld")
	recs = records(w.nurse)
	assert [(r.status, r.count) for r in recs] == [("Proposed", 1), ("Dismissed", 1)]


def test_approved_record_is_kept_and_flagged_when_the_count_drops(w):
	first = upheld(w, w.nurse)
	[rec] = records(w.nurse)
	as_user(w.bureau_admin)
	decide(rec.name, "approve")
	with pytest.raises(A.AccountabilityError):
		decide(rec.name, "approve")
	as_user("Administrator")
	reopen_complaint(first)
	[rec] = records(w.nurse)
	assert (rec.status, rec.count, rec.needs_review) == ("Approved", 1, 1)
	close_complaint(first)
	assert records(w.nurse)[0].needs_review == 0


def test_staff_taken_off_a_complaint_loses_the_count(w):
	complaint = upheld(w, w.nurse)
	assert rules(w.nurse) == ["Staff-Any-1"]
	close_complaint(complaint, staff=[w.doctor])
	assert records(w.nurse)[0].status == "Dismissed"
	assert rules(w.doctor) == ["Staff-Any-1"]


def test_recount_without_a_before_image(w):
	"""A complaint saved without hooks (db writes) is caught by the next recount."""
	complaint = upheld(w, w.nurse)
	frappe.db.set_value("HSQ Complaint", complaint.name, "workflow_state", "In Progress")
	A.on_complaint_update(frappe.get_doc("HSQ Complaint", complaint.name))
	assert records(w.nurse)[0].status == "Dismissed"


def test_only_bureau_admins_decide(w):
	upheld(w, w.nurse)
	[rec] = records(w.nurse)
	for user in (w.inspector, w.a.leader, w.a.admin, w.a.officer):
		as_user(user)
		with pytest.raises(frappe.PermissionError):
			decide(rec.name, "approve")
		with pytest.raises(frappe.PermissionError):
			decide(rec.name, "dismiss", "不成立")
	as_user("Administrator")
	assert records(w.nurse)[0].status == "Proposed"


def test_records_are_not_edited_by_hand_nor_deleted(w):
	upheld(w, w.nurse)
	[rec] = records(w.nurse)
	doc = frappe.get_doc(RECORD, rec.name)
	doc.status = "Approved"
	with pytest.raises(A.AccountabilityError):
		doc.save()
	with pytest.raises(A.AccountabilityError, match="never deleted"):
		frappe.delete_doc(RECORD, rec.name)
	with pytest.raises(frappe.ValidationError):
		frappe.get_doc(
			{
				"doctype": RECORD,
				"subject_type": "Staff",
				"staff": w.doctor,
				"institution": w.a.institution,
				"year": YEAR,
				"rule": "Staff-Any-1",
			}
		).insert()


def test_hospitals_do_not_see_each_others_records(w):
	upheld(w, w.nurse, category="Service Attitude")
	upheld(w, w.b_nurse, key="b")
	a_records = {r.name for r in records(w.nurse)} | {r.name for r in records(w.a.institution)}
	b_records = {r.name for r in records(w.b_nurse)}
	assert a_records and b_records
	for user in (w.a.leader, w.a.admin):
		as_user(user)
		visible = set(frappe.get_list(RECORD, pluck="name"))
		assert a_records <= visible and not b_records & visible
		assert not frappe.has_permission(RECORD, "read", next(iter(b_records)))
		rows = {r.name for r in accountability_ledger.execute({"year": YEAR})[1]}
		assert a_records <= rows and not b_records & rows
	as_user(w.a.officer)  # quality officers do not handle sanctions
	assert not frappe.has_permission(RECORD, "read")
	for user in (w.inspector, w.bureau_admin):
		as_user(user)
		assert a_records | b_records <= set(frappe.get_list(RECORD, pluck="name"))

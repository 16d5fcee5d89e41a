"""Monthly follow-up reports: figures against hand-counted data, drafting, lateness, submit and review."""

from datetime import date

import frappe
import pytest
from factories import (
	complete_follow_up,
	discharge_by_mrn,
	discharge_row,
	follow_ups_of,
	frozen,
	make_department,
	make_institution,
	make_staff_user,
	set_settings,
	uid,
)

from hsq_app import roles as R
from hsq_app.api.follow_up import (
	import_discharges,
	recalculate_monthly_report,
	review_monthly_report,
	submit_monthly_report,
)
from hsq_app.follow_up.monthly_report import compute_figures, draft_monthly_reports, flag_late_reports

REPORT = "HSQ Follow Up Monthly Report"


def as_user(user):
	frappe.set_user(user)
	frappe.local.hsq_active_staff = {}


@pytest.fixture
def centre():
	"""A township health centre with its leaders, an officer and an agent."""
	c = frappe._dict()
	c.institution = make_institution(uid("卫生院"), type="Township Health Center", grade="Primary")
	c.deputy = make_staff_user(c.institution, R.INSTITUTION_LEADER)
	c.principal = make_staff_user(c.institution, R.INSTITUTION_LEADER)
	frappe.db.set_value(
		"HSQ Institution", c.institution, {"deputy_head": c.deputy, "principal_head": c.principal}
	)
	c.dept = make_department(c.institution, "全科")
	c.dept2 = make_department(c.institution, "中医科")
	c.officer = make_staff_user(c.institution, R.QUALITY_OFFICER)
	c.agent = make_staff_user(c.institution, R.FOLLOW_UP_AGENT)
	set_settings(follow_up_offsets="0,7,30", monthly_report_due_day=10)
	return c


def march_of(c):
	"""Hand-countable data: March 2026 at a township centre.

	Discharges: 4 in March (2, 3, 10, 31 March) + 1 on 20 February. Due in March (8 planned):
	stages 0 and 7 of the patients of 2, 3 and 10 March (2, 9 | 3, 10 | 10, 17 March), stage 0 of
	the patient of 31 March, stage 30 of the February patient (22 March, a Sunday -> Monday 23).
	Not in March: 31 March's stage 7 (7 April), the February patient's stages 0 and 7, every
	other stage 30 (April).
	"""
	rows = {
		key: discharge_row(c.institution, dept, day)
		for key, dept, day in (
			("p1", c.dept, "2026-03-02"),
			("p2", c.dept, "2026-03-03"),
			("p3", c.dept2, "2026-03-10"),
			("p4", c.dept2, "2026-03-31"),
			("p0", c.dept, "2026-02-20"),
		)
	}
	assert import_discharges(list(rows.values()))["created"] == 5
	fu = {
		k: {
			f.stage_days: f.name
			for f in follow_ups_of(discharge_by_mrn(c.institution, r["medical_record_no"]))
		}
		for k, r in rows.items()
	}
	as_user(c.agent)
	# 5 completed, 1 unreachable, 1 refused, 1 never called
	complete_follow_up(fu["p1"][0], 5, {"Fees": 3, "Nursing": 4})
	complete_follow_up(fu["p1"][7], 4, {"Fees": 2})
	complete_follow_up(fu["p2"][0], 3, issue="药费太贵")
	complete_follow_up(fu["p3"][0], 4)
	complete_follow_up(fu["p0"][30], 2, issue="出院指导不清楚")
	complete_follow_up(fu["p2"][7], status="Unreachable")
	complete_follow_up(fu["p3"][7], status="Refused")
	# p4 stage 0 never called; an April follow-up completed does not count for March
	complete_follow_up(fu["p1"][30], 1, issue="四月的问题")
	frappe.set_user("Administrator")
	return fu


def test_figures_match_the_hand_count(centre):
	c = centre
	march_of(c)
	figures = compute_figures([c.institution], date(2026, 3, 1))[c.institution]
	assert figures["discharged"] == 4
	assert figures["planned"] == 8
	assert (figures["completed"], figures["unreachable"], figures["refused"], figures["not_done"]) == (
		5,
		1,
		1,
		1,
	)
	assert figures["coverage_percent"] == 62.5
	assert figures["avg_satisfaction"] == 3.6  # (5 + 4 + 3 + 4 + 2) / 5
	assert figures["issues_found"] == 2
	dims = {d["dimension"]: (d["avg_score"], d["responses"]) for d in figures["dimension_scores"]}
	# Fees: 3, 2, 3, 4, 2 -> 2.8 ; Nursing: 4, 4, 3, 4, 2 -> 3.4 ; Medical Quality: 5, 4, 3, 4, 2 -> 3.6
	assert dims["Fees"] == (2.8, 5) and dims["Nursing"] == (3.4, 5) and dims["Medical Quality"] == (3.6, 5)
	assert figures["dimension_scores"][0]["dimension"] == "Medical Quality"


def test_reports_are_drafted_on_the_first_for_every_institution_once(centre, shared_world):
	c = centre
	march_of(c)
	made = draft_monthly_reports(on="2026-04-01")
	report = frappe.get_doc(REPORT, {"institution": c.institution, "month": "2026-03-01"})
	assert report.name in made and report.status == "Draft" and report.due_date == date(2026, 4, 10)
	assert (report.discharged, report.planned, report.completed, report.coverage_percent) == (4, 8, 5, 62.5)
	assert report.avg_satisfaction == 3.6 and len(report.dimension_scores) == 6
	assert frappe.db.exists(REPORT, {"institution": shared_world.a.institution, "month": "2026-03-01"})
	assert not frappe.db.exists(REPORT, {"institution": shared_world.bureau})
	assert draft_monthly_reports(on="2026-04-01") == []
	with pytest.raises(frappe.DuplicateEntryError):
		frappe.get_doc({"doctype": REPORT, "institution": c.institution, "month": "2026-03-15"}).insert()


def test_submitted_by_the_due_day_is_on_time_after_it_late(centre, shared_world):
	c = centre
	draft_monthly_reports(on="2026-04-01")
	on_time = frappe.db.get_value(REPORT, {"institution": c.institution, "month": "2026-03-01"})
	late = frappe.db.get_value(REPORT, {"institution": shared_world.a.institution, "month": "2026-03-01"})
	as_user(c.officer)
	with frozen("2026-04-10 16:00:00"):
		doc = frappe.get_doc(submit_monthly_report(on_time))
	assert doc.status == "Submitted" and not doc.is_late and doc.submitted_by == c.officer
	as_user(shared_world.a.leader)
	with frozen("2026-04-11 09:00:00"):
		doc = frappe.get_doc(submit_monthly_report(late))
	assert doc.status == "Submitted" and doc.is_late
	with pytest.raises(frappe.ValidationError):
		submit_monthly_report(late)


def test_late_drafts_are_flagged_and_leaders_notified_once(centre):
	c = centre
	draft_monthly_reports(on="2026-04-01")
	name = frappe.db.get_value(REPORT, {"institution": c.institution, "month": "2026-03-01"})
	assert name not in flag_late_reports(on="2026-04-10")  # due day itself is still on time
	assert name in flag_late_reports(on="2026-04-11")
	assert frappe.db.get_value(REPORT, name, "is_late") == 1
	notes = frappe.get_all("Notification Log", filters={"document_name": name}, pluck="for_user")
	assert sorted(notes) == sorted([c.deputy, c.principal])
	flag_late_reports(on="2026-04-12")
	assert frappe.db.count("Notification Log", {"document_name": name}) == 2


def test_status_moves_only_through_submit_and_review(centre, shared_world):
	c = centre
	draft_monthly_reports(on="2026-04-01")
	name = frappe.db.get_value(REPORT, {"institution": c.institution, "month": "2026-03-01"})
	as_user(c.officer)
	doc = frappe.get_doc(REPORT, name)
	doc.status = "Reviewed"
	with pytest.raises(frappe.ValidationError):
		doc.save()
	doc.reload()
	doc.remarks = "本月回访电话线路故障两天"
	doc.save()
	recalculate_monthly_report(name)
	as_user(c.agent)  # reads reports, does not submit them
	with pytest.raises(frappe.PermissionError):
		submit_monthly_report(name)
	as_user(shared_world.a.officer)  # another institution
	with pytest.raises(frappe.PermissionError):
		submit_monthly_report(name)
	as_user(c.officer)
	submit_monthly_report(name)
	with pytest.raises(frappe.PermissionError):
		review_monthly_report(name)
	doc = frappe.get_doc(REPORT, name)
	doc.remarks = "改一下"
	with pytest.raises(frappe.ValidationError):
		doc.save()
	as_user(shared_world.inspector)
	doc = frappe.get_doc(review_monthly_report(name, "数据属实"))
	assert (
		doc.status == "Reviewed"
		and doc.reviewed_by == shared_world.inspector
		and doc.review_comment == "数据属实"
	)


def test_the_print_format_is_the_paper_archive(centre):
	c = centre
	march_of(c)
	draft_monthly_reports(on="2026-04-01")
	name = frappe.db.get_value(REPORT, {"institution": c.institution, "month": "2026-03-01"})
	html = frappe.get_print(REPORT, name, print_format="HSQ Follow Up Monthly Report Archive")
	assert "出院患者回访工作月报" in html and c.institution in html and "62.5" in html


def test_drafting_does_not_rely_on_field_defaults(centre):
	"""Demo data and data imports run with frappe.flags.in_import, which skips field defaults."""
	frappe.flags.in_import = True
	try:
		draft_monthly_reports(on="2026-04-01")
	finally:
		frappe.flags.in_import = False
	report = frappe.get_doc(REPORT, {"institution": centre.institution, "month": "2026-03-01"})
	assert report.status == "Draft" and report.is_late == 0

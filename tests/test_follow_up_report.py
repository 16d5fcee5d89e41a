"""Monthly follow-up reports: figures against hand-counted data, drafting, lateness, submit and review."""

from datetime import date

import frappe
import pytest
from factories import (
	as_user,
	frozen,
)
from follow_up_data import march_of

from hsq_app.api.follow_up import (
	recalculate_monthly_report,
	review_monthly_report,
	submit_monthly_report,
)
from hsq_app.follow_up.monthly_report import compute_figures, draft_monthly_reports, flag_late_reports

REPORT = "HSQ Follow Up Monthly Report"


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

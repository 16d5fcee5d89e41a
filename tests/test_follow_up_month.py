"""Done-when of the follow-up issue: a month of discharges at a township health centre, end to end.

July and August 2026 have no public holiday or make-up workday in China, so the expected due dates
are the plain Monday-Friday ones with the fallback and with the real work calendar alike.
"""

from datetime import date, timedelta

import frappe
from factories import (
	complete_follow_up,
	frozen,
	make_department,
	make_institution,
	make_staff_user,
	set_settings,
	uid,
)

from hsq_app import roles as R
from hsq_app.api.follow_up import import_discharges, submit_monthly_report
from hsq_app.follow_up.monthly_report import draft_monthly_reports


def weekday_on_or_after(day: date) -> date:
	while day.weekday() >= 5:
		day += timedelta(days=1)
	return day


def test_a_month_at_a_township_health_centre():
	centre = make_institution(uid("镇卫生院"), type="Township Health Center", grade="Primary")
	make_department(centre, "全科")
	make_department(centre, "中医科")
	agent = make_staff_user(centre, R.FOLLOW_UP_AGENT)
	officer = make_staff_user(centre, R.QUALITY_OFFICER)
	inspector = make_staff_user(
		frappe.db.get_value("HSQ Institution", {"institution_type": "Bureau"}), R.BUREAU_INSPECTOR
	)
	set_settings(
		follow_up_offsets="0,7,30",
		special_follow_up_offsets="3,14",
		follow_up_assignment="Balanced Across Agents",
		monthly_report_due_day=10,
		township_sample_rate=10,
	)

	# the HIS sends July's 30 discharges (every 10th patient special) and a few bad rows
	july = [date(2026, 7, d) for d in range(1, 31)]
	rows = [
		{
			"patient_name": f"患者{i}",
			"medical_record_no": f"ZY202607{i:03d}",
			"patient_phone": f"1390000{i:04d}",
			"institution": centre,
			"department": "全科" if i % 2 else "中医科",
			"discharge_date": str(day),
			"is_special": int(i % 10 == 0),
		}
		for i, day in enumerate(july, start=1)
	]
	bad = [
		{**rows[0], "medical_record_no": "ZY-BAD-1", "patient_phone": "1390000"},
		{**rows[0], "medical_record_no": "ZY-BAD-2", "department": "外科"},
		dict(rows[5]),
	]
	result = import_discharges(rows + bad)
	special = [r for r in rows if r["is_special"]]
	assert result["created"] == 30 and result["skipped_duplicates"] == 1
	assert [i["index"] for i in result["invalid"]] == [30, 31]
	assert result["follow_ups"] == 27 * 3 + 3 * 5

	# the right follow-ups: each stage on its working day, all with the centre's only agent
	expected = []
	for r in rows:
		stages = [0, 3, 7, 14, 30] if r["is_special"] else [0, 7, 30]
		day = date.fromisoformat(r["discharge_date"])
		expected += [
			(r["medical_record_no"], s, weekday_on_or_after(day + timedelta(days=s))) for s in stages
		]
	fu = frappe.qb.DocType("HSQ Follow Up")
	dr = frappe.qb.DocType("HSQ Discharge Record")
	stored = (
		frappe.qb.from_(fu)
		.join(dr)
		.on(dr.name == fu.discharge_record)
		.select(dr.medical_record_no, fu.stage_days, fu.due_date, fu.assigned_to, fu.name)
		.where(fu.institution == centre)
		.run(as_dict=True)
	)
	assert sorted((s.medical_record_no, s.stage_days, s.due_date) for s in stored) == sorted(expected)
	assert {s.assigned_to for s in stored} == {agent} and len(special) == 3

	# the agent works July's calls: 25 completed, 2 unreachable, 1 refused, the rest not reached
	due_in_july = sorted((s for s in stored if s.due_date.month == 7), key=lambda s: (s.due_date, s.name))
	satisfaction = [5, 4, 3, 5, 4]
	frappe.set_user(agent)
	frappe.local.hsq_active_staff = {}
	with frozen("2026-07-31 17:00:00"):
		for n, s in enumerate(due_in_july[:25]):
			complete_follow_up(s.name, satisfaction[n % 5], issue="病房空调坏了" if n in (3, 11) else None)
		for s in due_in_july[25:27]:
			complete_follow_up(s.name, status="Unreachable")
		complete_follow_up(due_in_july[27].name, status="Refused")
	frappe.set_user("Administrator")

	# the right monthly report, drafted on 1 August
	draft_monthly_reports(on="2026-08-01")
	report = frappe.get_doc("HSQ Follow Up Monthly Report", {"institution": centre, "month": "2026-07-01"})
	planned = sum(1 for _m, _s, due in expected if due.month == 7)
	assert (report.discharged, report.planned, report.completed) == (30, planned, 25)
	assert (report.unreachable, report.refused, report.not_done) == (2, 1, planned - 28)
	assert report.coverage_percent == round(100 * 25 / planned, 2)
	assert report.avg_satisfaction == round(sum(satisfaction[n % 5] for n in range(25)) / 25, 2) == 4.2
	assert report.issues_found == 2 and {d.dimension for d in report.dimension_scores} >= {"Nursing", "Fees"}
	frappe.set_user(officer)
	frappe.local.hsq_active_staff = {}
	with frozen("2026-08-10 11:00:00"):
		submitted = frappe.get_doc(submit_monthly_report(report.name))
	assert submitted.status == "Submitted" and not submitted.is_late

	# a spot check of exactly 10% rounded up of the 25 completed: 3
	frappe.set_user(inspector)
	frappe.local.hsq_active_staff = {}
	check = frappe.get_doc(
		{"doctype": "HSQ Spot Check", "institution": centre, "month": "2026-07-01"}
	).insert()
	assert (check.sample_rate, check.population, check.sample_size, len(check.items)) == (10, 25, 3, 3)
	completed = {s.name for s in due_in_july[:25]}
	assert {i.follow_up for i in check.items} <= completed

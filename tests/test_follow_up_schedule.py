"""Follow-up schedules: stages, working days, special patients, assignment, overdue marking.

Dates are chosen clear of Chinese public holidays and make-up workdays (March 2026), so the
expectations hold with the Monday-Friday fallback and with the real work calendar alike.
"""

import types
from datetime import date

import frappe
import pytest
from factories import (
	discharge_by_mrn,
	discharge_row,
	follow_ups_of,
	make_department,
	make_institution,
	make_staff,
	make_staff_user,
	set_settings,
	uid,
)

from hsq_app import roles as R
from hsq_app.api.follow_up import import_discharges
from hsq_app.follow_up import scheduling
from hsq_app.follow_up.scheduling import (
	FollowUpSettings,
	InvalidOffsetsError,
	mark_overdue,
	parse_offsets,
	plan_stages,
	working_day_checker,
)

SATURDAY = date(2026, 3, 14)


def test_parse_offsets():
	assert parse_offsets("0,7,30") == [0, 7, 30]
	assert parse_offsets(" 30, 7 ,7,0 ") == [0, 7, 30]
	assert parse_offsets("0，3、7") == [0, 3, 7]
	assert parse_offsets("") == []
	for bad in ("7,x", "-1", "1.5"):
		with pytest.raises(InvalidOffsetsError):
			parse_offsets(bad)


def test_due_dates_move_off_the_weekend():
	settings = FollowUpSettings(offsets=[0, 7, 30], special_offsets=[0, 7, 30])
	stages = plan_stages(SATURDAY, False, settings, working_day_checker())
	# Sat 14 -> Mon 16; Sat 21 -> Mon 23; Mon 13 April stays
	assert stages == [(0, date(2026, 3, 16)), (7, date(2026, 3, 23)), (30, date(2026, 4, 13))]


def test_fallback_without_the_work_calendar_is_monday_to_friday(monkeypatch):
	monkeypatch.setattr(scheduling, "_work_calendar", types.SimpleNamespace())  # no is_working_day yet
	check = working_day_checker()
	assert [check(date(2026, 3, d)) for d in range(13, 17)] == [True, False, False, True]


def test_the_work_calendar_decides_when_present(monkeypatch):
	holiday = date(2026, 3, 16)
	calls = []

	def is_working_day(day, calendar=None):
		calls.append((day, calendar))
		return day.weekday() < 5 and day != holiday

	monkeypatch.setattr(scheduling, "_work_calendar", types.SimpleNamespace(is_working_day=is_working_day))
	settings = FollowUpSettings(offsets=[0], special_offsets=[0])
	assert plan_stages(SATURDAY, False, settings, working_day_checker("县卫健局日历")) == [
		(0, date(2026, 3, 17))
	]
	assert calls and all(c == "县卫健局日历" for _d, c in calls)


@pytest.mark.skipif(
	getattr(scheduling._work_calendar, "is_working_day", None) is None,
	reason="hsq_app.utils.work_calendar.is_working_day is not in this branch yet",
)
def test_holiday_of_the_real_work_calendar(shared_world):
	w = shared_world
	calendar = frappe.get_doc(
		{
			"doctype": "HSQ Work Calendar",
			"calendar_name": uid("日历"),
			"covered_until": "2026-12-31",
			"days": [{"date": "2026-03-16", "day_type": "Holiday"}],
		}
	).insert()
	set_settings(default_work_calendar=calendar.name, follow_up_offsets="0")
	row = discharge_row(w.a.institution, w.a.dept1, SATURDAY)
	import_discharges([row])
	due = [f.due_date for f in follow_ups_of(discharge_by_mrn(w.a.institution, row["medical_record_no"]))]
	assert due == [date(2026, 3, 17)]


def test_special_patients_get_the_extra_stages(shared_world):
	w = shared_world
	set_settings(follow_up_offsets="0,7,30", special_follow_up_offsets="3,14,90")
	normal = discharge_row(w.a.institution, w.a.dept1, "2026-03-02")
	special = discharge_row(w.a.institution, w.a.dept1, "2026-03-02", is_special=1)
	result = import_discharges([normal, special])
	assert result["created"] == 2 and result["follow_ups"] == 3 + 6
	stages = [
		f.stage_days for f in follow_ups_of(discharge_by_mrn(w.a.institution, special["medical_record_no"]))
	]
	assert stages == [0, 3, 7, 14, 30, 90]
	stages = [
		f.stage_days for f in follow_ups_of(discharge_by_mrn(w.a.institution, normal["medical_record_no"]))
	]
	assert stages == [0, 7, 30]


def test_assigned_to_the_attending_staff_who_calls_else_balanced(shared_world):
	w = shared_world
	set_settings(follow_up_assignment="Attending Staff")
	doctor_user = make_staff_user(w.a.institution, R.FOLLOW_UP_AGENT, department=w.a.dept1)
	doctor = frappe.db.get_value("HSQ Staff", {"user": doctor_user})
	no_login = make_staff(w.a.institution, department=w.a.dept1)
	rows = [
		discharge_row(w.a.institution, w.a.dept1, "2026-03-02", attending_staff=doctor),
		discharge_row(w.a.institution, w.a.dept1, "2026-03-02", attending_staff=no_login),
	]
	import_discharges(rows)
	first = follow_ups_of(discharge_by_mrn(w.a.institution, rows[0]["medical_record_no"]))
	assert {f.assigned_to for f in first} == {doctor_user}
	second = follow_ups_of(discharge_by_mrn(w.a.institution, rows[1]["medical_record_no"]))
	assert {f.assigned_to for f in second} <= {w.a.agent, doctor_user} and len(
		{f.assigned_to for f in second}
	) == 1


def test_balanced_assignment_goes_to_the_least_loaded_agent():
	institution = make_institution(uid("卫生院"), type="Township Health Center", grade="Primary")
	dept = make_department(institution, "全科")
	busy = make_staff_user(institution, R.FOLLOW_UP_AGENT)
	idle = make_staff_user(institution, R.FOLLOW_UP_AGENT)
	make_staff_user(institution, R.QUALITY_OFFICER)  # not an agent: never assigned
	set_settings(follow_up_assignment="Balanced Across Agents", follow_up_offsets="0,7,30")
	# busy already has 4 open follow-ups
	import_discharges([discharge_row(institution, dept, "2026-03-02")])
	first = discharge_by_mrn_any(institution)
	frappe.db.set_value("HSQ Follow Up", {"discharge_record": first}, "assigned_to", busy)
	extra = frappe.get_doc(
		{
			"doctype": "HSQ Follow Up",
			"discharge_record": first,
			"stage_days": 60,
			"due_date": "2026-05-05",
			"assigned_to": busy,
		}
	).insert()
	assert extra.status in ("Pending", "Overdue")
	rows = [discharge_row(institution, dept, "2026-03-03") for _ in range(3)]
	import_discharges(rows)
	owners = [
		{f.assigned_to for f in follow_ups_of(discharge_by_mrn(institution, r["medical_record_no"]))}
		for r in rows
	]
	# idle (0) takes the first patient (-> 3), then idle again (3 < 4) (-> 6), then busy (4)
	assert owners == [{idle}, {idle}, {busy}]


def discharge_by_mrn_any(institution):
	return frappe.db.get_value("HSQ Discharge Record", {"institution": institution})


def test_no_agent_leaves_follow_ups_unassigned():
	institution = make_institution(uid("卫生院"), type="Township Health Center", grade="Primary")
	dept = make_department(institution, "全科")
	set_settings(follow_up_assignment="Balanced Across Agents")
	row = discharge_row(institution, dept, "2026-03-02")
	import_discharges([row])
	assert {
		f.assigned_to for f in follow_ups_of(discharge_by_mrn(institution, row["medical_record_no"]))
	} == {None}


def test_mark_overdue_is_one_set_based_pass(shared_world):
	w = shared_world
	set_settings(follow_up_offsets="0,7,30")
	row = discharge_row(w.a.institution, w.a.dept1, "2026-03-02")
	import_discharges([row])
	names = [f.name for f in follow_ups_of(discharge_by_mrn(w.a.institution, row["medical_record_no"]))]
	frappe.db.set_value("HSQ Follow Up", {"name": ("in", names)}, "status", "Pending")
	frappe.db.set_value("HSQ Follow Up", names[0], "status", "Completed")
	# on 10 March: stage 0 (2 March) is done, stage 7 (9 March) is late, stage 30 (1 April) is not yet due
	assert mark_overdue("2026-03-10") >= 1
	statuses = [frappe.db.get_value("HSQ Follow Up", n, "status") for n in names]
	assert statuses == ["Completed", "Overdue", "Pending"]
	assert mark_overdue("2026-03-10") == 0


def test_one_document_at_a_time_schedules_like_the_import(shared_world):
	w = shared_world
	set_settings(follow_up_offsets="0,7,30")
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Discharge Record",
			"patient_name": "李四",
			"medical_record_no": uid("ZY"),
			"patient_phone": "0571-88886666",
			"institution": w.a.institution,
			"department": w.a.dept1,
			"discharge_date": SATURDAY,
		}
	).insert()
	assert doc.patient_phone == "057188886666"  # normalised like an imported one
	due = [f.due_date for f in follow_ups_of(doc.name)]
	assert due == [date(2026, 3, 16), date(2026, 3, 23), date(2026, 4, 13)]

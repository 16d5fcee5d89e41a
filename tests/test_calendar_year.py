"""Issue 13 item 9: the work calendar's one-click import of a year's holidays and make-up workdays.

The source is the ``chinesecalendar`` package (shipped with the app, no internet needed): a year it
has is imported idempotently, keeping an admin's own rows; a year it does not have yet is refused
with a message saying so.
"""

import datetime as dt

import frappe
import pytest
from factories import as_user

from hsq_app.complaints.doctype.hsq_work_calendar.hsq_work_calendar import import_year
from hsq_app.complaints.sla.defaults import CALENDAR_NAME, official_schedule

SOURCE = official_schedule()
LAST = max(SOURCE)  # the last year the installed package has (2026 in chinesecalendar 1.11)


def make_calendar(covered_until: str, rows=()) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Work Calendar",
			"calendar_name": f"测试日历-{frappe.generate_hash(length=6)}",
			"covered_until": covered_until,
			"morning_start": "08:00:00",
			"morning_end": "12:00:00",
			"afternoon_start": "14:00:00",
			"afternoon_end": "17:30:00",
			"days": [{"date": d, "day_type": t, "description": desc} for d, t, desc in rows],
		}
	).insert()
	return doc.name


def days(name):
	return {
		str(r.date): (r.day_type, r.description)
		for r in frappe.get_all(
			"HSQ Work Calendar Day",
			filters={"parent": name, "parenttype": "HSQ Work Calendar"},
			fields=["date", "day_type", "description"],
		)
	}


def test_the_installed_source_covers_the_current_year():
	assert LAST >= 2026, "chinesecalendar >= 1.11.0 (pyproject.toml) has 2026"
	national_day = {d: t for d, t, _ in SOURCE[2026]}
	assert national_day[dt.date(2026, 10, 1)] == "Holiday"


def test_import_adds_the_year_keeps_other_years_and_is_idempotent(shared_world):
	manual = ("2024-03-04", "Holiday", "本地停诊日")  # an admin's own row, another year
	own = (f"{LAST}-06-03", "Holiday", "本地防汛")  # an admin's row in the imported year
	name = make_calendar(f"{LAST - 1}-12-31", rows=[manual, own])
	as_user(shared_world.bureau_admin)
	result = import_year(name, LAST)
	stored = days(name)
	expected = {str(d): t for d, t, _ in SOURCE[LAST]}
	assert result["added"] == len(expected) - (own[0] in expected)
	for day, day_type in expected.items():
		assert stored[day][0] == day_type
	assert stored[manual[0]] == ("Holiday", "本地停诊日") and stored[own[0]] == ("Holiday", "本地防汛")
	assert str(frappe.db.get_value("HSQ Work Calendar", name, "covered_until")) == f"{LAST}-12-31"
	again = import_year(name, LAST)
	assert again["added"] == 0 and days(name) == stored


def test_a_gap_year_is_imported_with_the_year_asked_for(shared_world):
	name = make_calendar(f"{LAST - 2}-12-31")
	as_user(shared_world.bureau_admin)
	import_year(name, LAST)
	years = {d[:4] for d in days(name)}
	assert {str(LAST - 1), str(LAST)} <= years


def test_a_year_the_source_does_not_have_is_refused_in_chinese(shared_world):
	name = make_calendar(f"{LAST}-12-31")
	before = days(name)
	as_user(shared_world.bureau_admin)
	frappe.local.lang = "zh"
	try:
		with pytest.raises(frappe.ValidationError) as error:
			import_year(name, LAST + 1)
	finally:
		frappe.local.lang = "en"
		frappe.set_user("Administrator")
	assert f"{LAST + 1}" in str(error.value) and "尚无" in str(error.value)
	assert days(name) == before
	assert str(frappe.db.get_value("HSQ Work Calendar", name, "covered_until")) == f"{LAST}-12-31"


def test_only_those_who_may_edit_the_calendar_import(shared_world):
	as_user(shared_world.a.officer)
	with pytest.raises(frappe.PermissionError):
		import_year(CALENDAR_NAME, LAST)


def test_the_default_calendar_is_one_year_view_of_the_source():
	"""The shipped calendar holds the source's rows (what the year view shows)."""
	stored = days(CALENDAR_NAME)
	assert stored["2026-10-01"][0] == "Holiday"
	workdays = [d for d, t, _ in SOURCE[2026] if t == "Workday"]
	assert workdays and all(stored[str(d)][0] == "Workday" for d in workdays)

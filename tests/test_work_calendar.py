"""Working-day arithmetic against the official schedule (the chinesecalendar package), every covered year."""

import datetime as dt
import random

import chinese_calendar as cc
import frappe
import pytest

from hsq_app.complaints.sla.defaults import CALENDAR_NAME, ensure_work_calendar, official_schedule
from hsq_app.utils import work_calendar as wc

YEARS = sorted(official_schedule())
DAY = dt.timedelta(days=1)


def reference_add(start: dt.date, n: int) -> dt.date:
	"""n working days after start, stepping through chinese_calendar.is_workday."""
	day = start
	while n:
		day += DAY
		if cc.is_workday(day):
			n -= 1
	return day


def spring_festival(year: int) -> dt.date:
	return min(
		d for d, name in cc.holidays.items() if d.year == year and name == cc.Holiday.spring_festival.value
	)


def test_seeded_calendar_covers_every_year_the_package_knows():
	assert YEARS[0] <= 2004 and len(YEARS) >= 20
	assert frappe.db.get_single_value("HSQ Settings", "default_work_calendar") == CALENDAR_NAME
	cal = wc.get_calendar()
	assert cal.name == CALENDAR_NAME
	assert cal.covered_until == dt.date(YEARS[-1], 12, 31)


@pytest.mark.parametrize("year", YEARS)
def test_every_day_of_the_year_matches_the_official_schedule(year):
	cal = wc.get_calendar()
	day = dt.date(year, 1, 1)
	while day.year == year:
		assert cal.is_working_day(day) == cc.is_workday(day), day
		assert not cal.is_provisional(day)
		day += DAY
	# the contract's module functions agree (a sample: they wrap the same object)
	for day in (dt.date(year, 10, 1), spring_festival(year), dt.date(year, 5, 1)):
		assert wc.is_working_day(day) == cc.is_workday(day)
		assert wc.is_working_day(dt.datetime.combine(day, dt.time(9))) == cc.is_workday(day)


@pytest.mark.parametrize("year", YEARS)
def test_add_working_days_across_national_day_and_spring_festival(year):
	for anchor in (dt.date(year, 10, 1), spring_festival(year)):
		for offset in range(-12, 12):
			start = anchor + offset * DAY
			for n in (1, 2, 3, 5, 10, 15):
				expected = reference_add(start, n)
				assert wc.add_working_days(start, n) == expected, (start, n)
				assert wc.add_working_days(dt.datetime.combine(start, dt.time(16, 45)), n) == expected


@pytest.mark.parametrize("year", YEARS)
def test_make_up_weekend_days_count_as_working_days(year):
	make_up = sorted(d for d in cc.workdays if d.year == year and d.weekday() >= 5)
	for day in make_up:
		assert wc.is_working_day(day), day
		before = day - DAY
		while not cc.is_workday(before):
			before -= DAY
		assert wc.add_working_days(before, 1) == day


def test_last_working_day_before_national_day_2025_counts_the_make_up_saturday():
	# 2025: 10-01..10-08 off; Saturday 10-11 is a make-up workday (国务院办公厅 2024 通知)
	assert wc.add_working_days(dt.date(2025, 9, 30), 3) == dt.date(2025, 10, 11)
	assert wc.add_working_days(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 14)
	assert wc.add_working_days(dt.date(2025, 10, 14), -5) == dt.date(2025, 9, 30)


def test_past_covered_until_weekends_only_and_flagged_provisional():
	cal = wc.get_calendar()
	after = cal.covered_until + DAY
	day = after
	for _ in range(400):
		assert cal.is_working_day(day) == (day.weekday() < 5)
		assert cal.is_provisional(day) and wc.is_provisional(day)
		day += DAY
	assert not wc.is_provisional(cal.covered_until)


def test_no_calendar_means_weekends_only_and_everything_provisional():
	cal = wc.WorkCalendar()
	assert cal.is_working_day(dt.date(2025, 10, 1))  # a Wednesday
	assert not cal.is_working_day(dt.date(2025, 10, 11))
	assert cal.is_provisional(dt.date(2000, 1, 1))


def test_working_hours_follow_the_two_periods():
	cal = wc.get_calendar()
	start = dt.datetime(2025, 9, 30, 10, 0)  # Tuesday before National Day
	assert cal.hours_per_day == 7.5
	assert cal.add_working_hours(start, 2) == dt.datetime(2025, 9, 30, 12, 0)
	assert cal.add_working_hours(start, 3) == dt.datetime(2025, 9, 30, 15, 0)  # lunch skipped
	assert cal.add_working_hours(start, 7.5) == dt.datetime(2025, 10, 9, 10, 0)  # holiday skipped
	assert cal.add_working_hours(dt.datetime(2025, 10, 4, 20), 1) == dt.datetime(2025, 10, 9, 9, 0)
	assert cal.working_hours_between(start, dt.datetime(2025, 10, 9, 10, 0)) == 7.5
	assert cal.working_hours_between(dt.datetime(2025, 10, 9, 10, 0), start) == -7.5
	assert cal.subtract_working_hours(dt.datetime(2025, 10, 9, 10, 0), 7.5) == start
	assert cal.add_working_hours(dt.datetime(2025, 10, 9, 10, 0), -7.5) == start


def test_working_hours_round_trip_at_random():
	cal = wc.get_calendar()
	rng = random.Random(20251001)
	base = dt.datetime(YEARS[-1] - 2, 1, 1)
	for _ in range(400):
		a = base + dt.timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
		hours = rng.choice([0.5, 1, 7.5, 8, 22.5, 37.5, rng.uniform(0, 120)])
		b = cal.add_working_hours(a, hours)
		assert abs(cal.working_hours_between(a, b) - hours) < 1e-6, (a, hours)
		t = cal.subtract_working_hours(b, hours)
		assert abs(cal.working_hours_between(t, b) - hours) < 1e-6, (b, hours)
		# t is the latest such instant: a moment later there is less than `hours` left
		assert cal.working_hours_between(t + dt.timedelta(minutes=1), b) < hours


def test_arithmetic_runs_from_cache_without_queries(monkeypatch):
	wc.get_calendar()  # warm
	calls = []
	real_sql = frappe.db.sql
	monkeypatch.setattr(frappe.db, "sql", lambda *a, **k: calls.append(a) or real_sql(*a, **k))
	day = dt.date(YEARS[0], 1, 1)
	for i in range(2000):
		wc.add_working_days(day + i * DAY, 10)
		wc.is_working_day(day + i * DAY)
	assert calls == []


def test_calendar_edit_invalidates_the_cache_and_rollback_restores_it():
	day = (
		dt.date(YEARS[-1], 12, 15) if dt.date(YEARS[-1], 12, 15).weekday() < 5 else dt.date(YEARS[-1], 12, 16)
	)
	assert wc.is_working_day(day)
	doc = frappe.get_doc("HSQ Work Calendar", CALENDAR_NAME)
	doc.append("days", {"date": day, "day_type": "Holiday", "description": "本县临时休假"})
	doc.save()
	assert not wc.is_working_day(day)
	assert frappe.db.exists("HSQ Work Calendar Day", {"parent": CALENDAR_NAME, "date": day})
	frappe.db.rollback()
	assert wc.is_working_day(day)


def test_calendar_rejects_duplicate_dates_and_bad_hours():
	doc = frappe.get_doc("HSQ Work Calendar", CALENDAR_NAME)
	first = doc.days[0]
	doc.append("days", {"date": first.date, "day_type": first.day_type})
	with pytest.raises(frappe.ValidationError):
		doc.save()
	doc = frappe.get_doc("HSQ Work Calendar", CALENDAR_NAME)
	doc.morning_end = "15:00:00"
	with pytest.raises(frappe.ValidationError):
		doc.save()


def test_seeding_is_idempotent_and_keeps_admin_edits():
	doc = frappe.get_doc("HSQ Work Calendar", CALENDAR_NAME)
	count = len(doc.days)
	doc.days[0].description = "管理员改过"
	# the admin entered next year by hand
	nxt = YEARS[-1] + 1
	doc.append("days", {"date": dt.date(nxt, 10, 1), "day_type": "Holiday", "description": "国庆节"})
	doc.covered_until = dt.date(nxt, 12, 31)
	doc.save()
	ensure_work_calendar()
	ensure_work_calendar()
	doc.reload()
	assert len(doc.days) == count + 1
	assert doc.days[0].description == "管理员改过"
	assert str(doc.covered_until) == f"{nxt}-12-31"


def test_seeding_adds_a_year_the_package_learns_without_touching_others():
	doc = frappe.get_doc("HSQ Work Calendar", CALENDAR_NAME)
	last = YEARS[-1]
	doc.days = [row for row in doc.days if frappe.utils.getdate(row.date).year != last]
	doc.days[0].description = "管理员改过"
	doc.covered_until = dt.date(last - 1, 12, 31)
	doc.save()
	assert wc.is_provisional(dt.date(last, 6, 1))
	ensure_work_calendar()
	doc.reload()
	assert doc.days[0].description == "管理员改过"
	assert str(doc.covered_until) == f"{last}-12-31"
	assert sum(1 for row in doc.days if frappe.utils.getdate(row.date).year == last) == len(
		official_schedule()[last]
	)
	assert wc.is_working_day(dt.date(last, 10, 1)) == cc.is_workday(dt.date(last, 10, 1))

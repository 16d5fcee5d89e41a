"""Bureau spot checks: sample sizes by institution type, reproducible draws, verification, rectification."""

import frappe
import pytest
from factories import (
	as_user,
	discharge_row,
	frozen,
	make_department,
	make_institution,
	make_staff_user,
	set_settings,
	uid,
)

from hsq_app import roles as R
from hsq_app.api.follow_up import import_discharges, raise_rectification
from hsq_app.utils.sampling import sample_size


def test_sample_sizes():
	assert sample_size(25, 10) == 3  # 2.5 rounded up
	assert sample_size(21, 5) == 2  # 1.05 rounded up
	assert sample_size(30, 10) == 3  # exact, not 4 by float error
	assert sample_size(20, 5) == 1
	assert sample_size(3, 5) == 1  # at least one
	assert sample_size(1, 10) == 1
	assert sample_size(0, 10) == 0
	assert sample_size(7, 100) == 7
	assert sample_size(10, 33.3) == 4


def with_completed(institution, dept, count, month="2026-03"):
	"""``count`` follow-ups of the institution completed in the month (one stage per patient)."""
	set_settings(follow_up_offsets="0")
	rows = [discharge_row(institution, dept, f"{month}-02") for _ in range(count)]
	import_discharges(rows)
	names = frappe.get_all(
		"HSQ Follow Up",
		filters={"institution": institution, "discharge_date": f"{month}-02"},
		pluck="name",
	)
	fu = frappe.qb.DocType("HSQ Follow Up")
	frappe.qb.update(fu).set(fu.status, "Completed").set(fu.overall_satisfaction, 5).set(
		fu.completed_at, f"{month}-05 10:00:00"
	).where(fu.name.isin(names)).run()
	return names


def new_check(institution, month="2026-03-01", seed=None):
	return frappe.get_doc(
		{"doctype": "HSQ Spot Check", "institution": institution, "month": month, "seed": seed}
	).insert()


@pytest.fixture
def places():
	p = frappe._dict()
	p.township = make_institution(uid("卫生院"), type="Township Health Center", grade="Primary")
	p.township_dept = make_department(p.township, "全科")
	p.hospital = make_institution(uid("医院"), type="Hospital", grade="Secondary")
	p.hospital_dept = make_department(p.hospital, "内科")
	p.inspector = make_staff_user(
		frappe.db.get_value("HSQ Institution", {"institution_type": "Bureau"}), R.BUREAU_INSPECTOR
	)
	set_settings(township_sample_rate=10, secondary_sample_rate=5)
	return p


def test_a_township_centre_is_sampled_at_10_percent_a_hospital_at_5(places):
	p = places
	town = with_completed(p.township, p.township_dept, 25)
	hosp = with_completed(p.hospital, p.hospital_dept, 21)
	as_user(p.inspector)
	check = new_check(p.township)
	assert (check.sample_rate, check.population, check.sample_size, len(check.items)) == (10, 25, 3, 3)
	assert {i.follow_up for i in check.items} <= set(town) and check.seed
	assert all(i.patient_phone == "13800138000" for i in check.items)  # the inspector calls them back
	check = new_check(p.hospital)
	assert (check.sample_rate, check.population, check.sample_size) == (5, 21, 2)
	assert {i.follow_up for i in check.items} <= set(hosp)


def test_only_that_months_completed_follow_ups_are_drawn(places):
	p = places
	with_completed(p.township, p.township_dept, 4, month="2026-03")
	april = with_completed(p.township, p.township_dept, 2, month="2026-04")
	check = new_check(p.township, month="2026-04-17")
	assert str(check.month) == "2026-04-01"
	assert (check.population, check.sample_size) == (2, 1) and check.items[0].follow_up in april
	with pytest.raises(frappe.ValidationError):
		new_check(p.township, month="2026-05-01")  # nothing completed in May


def test_the_same_seed_draws_the_same_sample(places):
	p = places
	with_completed(p.township, p.township_dept, 40)
	first = new_check(p.township, seed=20260301)
	again = new_check(p.township, seed=20260301)
	assert [i.follow_up for i in first.items] == [i.follow_up for i in again.items]
	assert len(first.items) == 4
	random_seed = new_check(p.township)
	stored = frappe.get_doc("HSQ Spot Check", random_seed.name)
	replay = new_check(p.township, seed=stored.seed)
	assert [i.follow_up for i in replay.items] == [i.follow_up for i in stored.items]


def test_inspectors_verify_and_the_confirmation_rate_is_kept(places):
	p = places
	with_completed(p.township, p.township_dept, 30)
	as_user(p.inspector)
	check = new_check(p.township)
	assert check.status == "Open"
	check.items[0].verified = "Confirmed"
	check.items[1].verified = "Not Confirmed"
	check.items[1].result = "患者说没有接到过回访电话"
	check.save()
	assert (check.confirmed, check.not_confirmed, check.confirmation_rate, check.status) == (1, 1, 50, "Open")
	assert check.items[0].checked_at and not check.items[2].checked_at
	check.items[2].verified = "Unreachable"
	check.save()
	assert (check.unreachable, check.confirmation_rate, check.status) == (1, 50, "Completed")
	check.items.pop()
	with pytest.raises(frappe.ValidationError):
		check.save()


def test_only_the_bureau_runs_spot_checks(places, shared_world):
	p = places
	with_completed(p.township, p.township_dept, 5)
	officer = make_staff_user(p.township, R.QUALITY_OFFICER)
	as_user(officer)
	with pytest.raises(frappe.PermissionError):
		new_check(p.township)
	as_user(p.inspector)
	name = new_check(p.township).name
	as_user(officer)  # the institution reads its result
	assert frappe.has_permission("HSQ Spot Check", "read", name)
	assert not frappe.has_permission("HSQ Spot Check", "write", name)
	as_user(shared_world.a.officer)
	assert not frappe.has_permission("HSQ Spot Check", "read", name)


def test_not_confirmed_follow_ups_raise_a_rectification_task(places):
	p = places
	with_completed(p.township, p.township_dept, 10)
	as_user(p.inspector)
	check = new_check(p.township)
	with pytest.raises(frappe.ValidationError):
		raise_rectification(check.name)  # nothing Not Confirmed yet
	check.items[0].verified = "Not Confirmed"
	check.items[0].result = "未接到回访"
	check.save()
	if not frappe.db.exists("DocType", "HSQ Rectification Task"):
		with pytest.raises(frappe.ValidationError, match="HSQ Rectification Task"):
			raise_rectification(check.name)
		return
	task = raise_rectification(check.name)
	doc = frappe.get_doc("HSQ Rectification Task", task)
	assert (doc.source_type, doc.source_name, doc.institution) == ("Spot Check", check.name, p.township)
	assert "未接到回访" in doc.problem
	assert raise_rectification(check.name) == task


def test_a_frozen_month_boundary_counts_by_completion_time(places):
	"""A call completed at 23:59 on 31 March is March's; one at 00:00 on 1 April is April's."""
	p = places
	set_settings(follow_up_offsets="0")
	rows = [discharge_row(p.township, p.township_dept, "2026-03-30") for _ in range(2)]
	import_discharges(rows)
	names = frappe.get_all(
		"HSQ Follow Up", filters={"institution": p.township}, pluck="name", order_by="name"
	)
	from factories import complete_follow_up

	with frozen("2026-03-31 23:59:00"):
		complete_follow_up(names[0])
	with frozen("2026-04-01 00:00:00"):
		complete_follow_up(names[1])
	assert [i.follow_up for i in new_check(p.township, "2026-03-01").items] == [names[0]]
	assert [i.follow_up for i in new_check(p.township, "2026-04-01").items] == [names[1]]

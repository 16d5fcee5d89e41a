"""The per-day follow-up figures (hsq_app.follow_up.stats) stay equal to the follow-ups they sum,
whatever door changed them: the import API, the agent's form, a correction of the follow-up,
turning a call into a complaint, the daily Overdue job."""

from datetime import date

import frappe
import pytest
from factories import as_user, complete_follow_up, discharge_row
from follow_up_data import march_of
from frappe.desk.query_report import run
from frappe.utils import get_last_day

from hsq_app.api.follow_up import make_complaint
from hsq_app.follow_up import stats
from hsq_app.follow_up.monthly_report import compute_figures
from hsq_app.follow_up.scheduling import mark_overdue

CELL_FIELDS = {
	stats.DAY_STAT: [
		"due_date",
		"institution",
		"department",
		"planned",
		"completed",
		"unreachable",
		"refused",
		"not_done",
		"rated",
		"rating_sum",
		"issues_found",
		"complaints_raised",
	],
	stats.SCORE_STAT: ["basis", "day", "institution", "department", "dimension", "responses", "score_sum"],
	stats.DISCHARGE_STAT: ["discharge_date", "institution", "department", "discharged"],
}


def cells(institution) -> dict:
	return {
		table: sorted(
			tuple(r)
			for r in frappe.get_all(table, filters={"institution": institution}, fields=fields, as_list=True)
		)
		for table, fields in CELL_FIELDS.items()
	}


def assert_in_step(institution):
	"""What the doors left equals a rebuild from scratch (the cells are recomputed, not counted up)."""
	kept = cells(institution)
	stats.rebuild()
	assert cells(institution) == kept
	return kept


def test_cells_follow_every_door(centre):
	c = centre
	fu = march_of(c)  # import API + agents' forms
	kept = assert_in_step(c.institution)
	assert sum(r[3] for r in kept[stats.DAY_STAT]) == 15  # 5 discharges x 3 stages
	# a correction: the follow-up moves to the other department and its score changes
	doc = frappe.get_doc("HSQ Follow Up", fu["p1"][0])
	doc.department = c.dept2
	doc.overall_satisfaction = 1
	doc.save()
	assert_in_step(c.institution)
	# a completed call set back to unreachable leaves the satisfaction figures of its day
	as_user(c.agent)
	complete_follow_up(fu["p3"][0], status="Unreachable")
	make_complaint(fu["p2"][0])  # the issue found becomes a complaint
	frappe.set_user("Administrator")
	mark_overdue(on="2026-05-01")
	kept = assert_in_step(c.institution)
	figures = compute_figures([c.institution], date(2026, 3, 1))[c.institution]
	assert (figures["completed"], figures["unreachable"], figures["complaints_raised"]) == (4, 2, 1)
	assert figures["avg_satisfaction"] == 2.5  # (1 + 4 + 3 + 2) / 4


def test_cells_follow_a_discharge_records_department_change(centre):
	"""The discharge record's cascade to its open follow-ups goes through the follow-up door:
	the per-day cells move with them at once, not at the nightly rebuild."""
	c = centre
	march_of(c)
	before = assert_in_step(c.institution)
	record = frappe.get_all(
		"HSQ Follow Up",
		filters={"institution": c.institution, "status": ("in", ("Pending", "Overdue"))},
		fields=["discharge_record", "department"],
		limit=1,
	)[0]
	moved_to = c.dept2 if record.department != c.dept2 else c.dept
	doc = frappe.get_doc("HSQ Discharge Record", record.discharge_record)
	doc.department = moved_to
	doc.save()
	open_ones = frappe.get_all(
		"HSQ Follow Up",
		filters={"discharge_record": doc.name, "status": ("in", ("Pending", "Overdue"))},
		pluck="department",
	)
	assert open_ones and set(open_ones) == {moved_to}
	after = assert_in_step(c.institution)
	assert after != before


def test_discharge_counts_follow_the_record_form(centre):
	"""A discharge entered in the desk by the follow-up agent, then its day and department corrected:
	the officer's coverage report counts it where it is at once, from the per-day discharge cells."""
	c = centre
	march_of(c)
	kept = assert_in_step(c.institution)
	assert sum(r[3] for r in kept[stats.DISCHARGE_STAT]) == 5  # 4 in March, 1 in February

	def discharged_in(month_start: str) -> int:
		filters = {"from_date": month_start, "to_date": str(get_last_day(month_start))}
		as_user(c.officer)
		try:
			rows = run("Follow Up Coverage", filters=filters, ignore_prepared_report=True)["result"]
		finally:
			frappe.set_user("Administrator")
		return sum(r["discharged"] for r in rows if r["institution"] == c.institution)

	as_user(c.agent)
	doc = frappe.get_doc(
		{"doctype": "HSQ Discharge Record", **discharge_row(c.institution, c.dept, "2026-03-12")}
	).insert()
	frappe.set_user("Administrator")
	assert (discharged_in("2026-03-01"), discharged_in("2026-04-01")) == (5, 0)
	assert_in_step(c.institution)

	as_user(c.agent)
	doc.reload()
	doc.discharge_date = "2026-04-01"
	doc.department = c.dept2
	doc.save()
	frappe.set_user("Administrator")
	assert (discharged_in("2026-03-01"), discharged_in("2026-04-01")) == (4, 1)
	kept = assert_in_step(c.institution)
	assert (date(2026, 4, 1), c.institution, c.dept2, 1) in kept[stats.DISCHARGE_STAT]


def test_rebuild_of_a_range_leaves_other_days_alone(centre):
	c = centre
	march_of(c)
	before = cells(c.institution)
	for table in CELL_FIELDS:
		frappe.db.delete(table, {"institution": c.institution})
	stats.rebuild("2026-03-01", "2026-03-31")
	after = cells(c.institution)
	for table in (stats.DAY_STAT, stats.DISCHARGE_STAT):
		march = [r for r in before[table] if str(r[0]).startswith("2026-03")]
		assert march and after[table] == march
	stats.rebuild()
	assert cells(c.institution) == before


def test_cells_are_not_for_users_to_change(centre, shared_world):
	"""Bureau admins may read the cells; institution users may not; nobody edits them by hand."""
	c = centre
	march_of(c)
	name = frappe.db.get_value(stats.DAY_STAT, {"institution": c.institution})
	as_user(c.officer)
	assert not frappe.has_permission(stats.DAY_STAT, "read")
	as_user(shared_world.bureau_admin)
	assert frappe.has_permission(stats.DAY_STAT, "read")
	assert not frappe.has_permission(stats.DAY_STAT, "write")
	doc = frappe.get_doc(stats.DAY_STAT, name)
	doc.planned = 999
	with pytest.raises(frappe.PermissionError):
		doc.save()

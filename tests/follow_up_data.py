"""A township centre with hand-countable March 2026 follow-ups (shared by the follow-up report and
statistics tests, through the ``centre`` fixture of conftest.py); ``march_of(centre)`` makes the data."""

import frappe
from factories import (
	as_user,
	complete_follow_up,
	discharge_by_mrn,
	discharge_row,
	follow_ups_of,
	make_department,
	make_institution,
	make_staff_user,
	set_settings,
	uid,
)

from hsq_app import roles as R
from hsq_app.api.follow_up import import_discharges


def make_centre():
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

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""员工服务评分卡: each staff member's period (a quarter by default) for the institution's own
performance assessment (绩效考核): compliments, satisfaction, upheld complaints, accountability, the
score with the weights of the period's ranking (or the defaults), rank and service-star result.
Excel export is the report's own."""

import frappe
from frappe.utils import add_days, getdate, now_datetime

from hsq_app.permissions import active_staff, assert_same_institution
from hsq_app.recognition import ranking
from hsq_app.utils.report import column


def execute(filters=None):
	filters = frappe._dict(filters or {})
	return columns(), data(filters)


def columns() -> list[dict]:
	return [
		column("staff", "Staff", "Link", 110, "HSQ Staff"),
		column("staff_name", "Staff Name", width=100),
		column("department", "Department", "Link", 120, "HSQ Department"),
		column("compliments", "Compliments", "Int", 80),
		column("satisfaction", "Satisfaction", "Float", 80, precision=2),
		column("satisfaction_count", "Satisfaction Answers", "Int", 90),
		column("upheld_complaints", "Upheld Complaints", "Int", 90),
		column("accountability", "Accountability Records", "Int", 90),
		column("score", "Score", "Float", 70, precision=2),
		column("rank", "Rank", "Int", 60),
		column("service_star", "Service Star", "Check", 80),
	]


def default_period():
	return ranking.quarter_bounds(add_days(ranking.quarter_bounds(now_datetime())[0], -1))


def data(filters) -> list[dict]:
	institution = filters.institution
	if not institution:
		staff = active_staff(frappe.session.user)
		institution = staff.institution if staff else None
	if not institution:
		return []
	assert_same_institution(institution)
	start, end = default_period()
	start, end = getdate(filters.from_date or start), getdate(filters.to_date or end)
	round_ = frappe.db.get_value(
		ranking.ROUND,
		{"institution": institution, "period_start": start, "period_end": end},
		["name", "status", *ranking.WEIGHT_FIELDS],
		as_dict=True,
	)
	meta = frappe.get_meta(ranking.ROUND)
	weights = round_ or {f: meta.get_field(f).default for f in ranking.WEIGHT_FIELDS}
	stars = set()
	if round_ and round_.status == ranking.APPROVED:
		stars = set(
			frappe.get_all(
				"HSQ Recognition Staff Result", filters={"parent": round_.name, "proposed": 1}, pluck="staff"
			)
		)
	rows, _departments = ranking.figures(institution, start, end)
	for row in rows:
		row["score"] = ranking.score_of(row, weights)
	ranking.assign_ranks(rows)
	out = []
	for row in rows:
		if filters.department and row["department"] != filters.department:
			continue
		out.append(
			frappe._dict(
				row,
				staff_name=row.pop("label"),
				service_star=1 if row["staff"] in stars else 0,
			)
		)
	return out

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""督查得分: submitted inspections' scores by institution and period, with each area's score."""

import frappe
from frappe.utils import flt, getdate

from hsq_app.inspection.report_scope import submitted_visits
from hsq_app.inspection.visits import FAIL, INSPECTION, PASS, item_fraction
from hsq_app.utils.report import column


def areas() -> list[str]:
	"""The checklist's areas, as the item DocType offers them (one owner: its Select options)."""
	return [
		a for a in (frappe.get_meta("HSQ Inspection Item").get_field("area").options or "").split("\n") if a
	]


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = data(filters)
	return columns(), rows, None, chart(rows)


def columns() -> list[dict]:
	return [
		column("institution", "Institution", "Link", 180, "HSQ Institution"),
		column("period", "Period", width=90),
		column("visits", "Visits", "Int", 70),
		column("total_score", "Total Score", "Float", 90, precision=1),
		column("failed", "Failed Items", "Int", 90),
		*[column(area_field(a), a, "Float", 90, precision=1) for a in areas()],
	]


def area_field(area: str) -> str:
	return "area_" + area.lower().replace(" ", "_")


def period_of(day, granularity: str) -> str:
	day = getdate(day)
	if granularity == "Quarter":
		return f"{day.year}Q{(day.month - 1) // 3 + 1}"
	return f"{day.year}-{day.month:02d}"


def visits(filters) -> list[dict]:
	I = frappe.qb.DocType(INSPECTION)
	q = frappe.qb.from_(I).select(I.name, I.institution, I.visit_date, I.total_score, I.failed_count)
	return submitted_visits(q, I, filters).orderby(I.visit_date).run(as_dict=True)


def data(filters) -> list[dict]:
	found = visits(filters)
	if not found:
		return []
	items = frappe.get_all(
		"HSQ Inspection Item",
		filters={
			"parenttype": INSPECTION,
			"parent": ("in", [v.name for v in found]),
			"result": ("in", (PASS, FAIL)),
		},
		fields=["parent", "area", "check_type", "max_score", "weight", "result", "score"],
	)
	by_visit = {}
	for item in items:
		by_visit.setdefault(item.parent, []).append(item)
	groups = {}
	for v in found:
		key = (v.institution, period_of(v.visit_date, filters.period or "Month"))
		g = groups.setdefault(key, {"visits": 0, "score": 0.0, "failed": 0, "areas": {}})
		g["visits"] += 1
		g["score"] += flt(v.total_score)
		g["failed"] += v.failed_count or 0
		for item in by_visit.get(v.name, []):
			earned, weight = g["areas"].get(item.area, (0.0, 0.0))
			g["areas"][item.area] = (
				earned + flt(item.weight) * item_fraction(item),
				weight + flt(item.weight),
			)
	rows = []
	for (institution, period), g in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
		row = frappe._dict(
			institution=institution,
			period=period,
			visits=g["visits"],
			total_score=flt(g["score"] / g["visits"], 1),
			failed=g["failed"],
		)
		for area in areas():
			earned, weight = g["areas"].get(area, (0, 0))
			row[area_field(area)] = flt(100 * earned / weight, 1) if weight else None
		rows.append(row)
	return rows


def chart(rows) -> dict | None:
	"""The average score over the periods, one line per institution (at most ten)."""
	if not rows:
		return None
	periods = sorted({r.period for r in rows})
	institutions = sorted({r.institution for r in rows})[:10]
	score = {(r.institution, r.period): r.total_score for r in rows}
	names = dict(
		frappe.get_all(
			"HSQ Institution",
			filters={"name": ("in", institutions)},
			fields=["name", "institution_name"],
			as_list=True,
		)
	)
	return {
		"data": {
			"labels": periods,
			"datasets": [
				{"name": names.get(i, i), "values": [score.get((i, p), 0) for p in periods]}
				for i in institutions
			],
		},
		"type": "line" if len(periods) > 1 else "bar",
	}

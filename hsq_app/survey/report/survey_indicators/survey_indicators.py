# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""Survey Indicators: outpatient, inpatient and staff satisfaction per institution (or department),
ranked, with answers against quota and follow-up call satisfaction side by side. Adds up per-day
cells (HSQ Survey Day Stat, HSQ Satisfaction Day Stat) within what the viewer may see."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import cint, flt, get_first_day, get_last_day, getdate, today

from hsq_app.permissions import department_only, visible_institutions
from hsq_app.survey import indicators
from hsq_app.survey import settings as survey_settings
from hsq_app.utils.report import column

KINDS = indicators.KINDS


def execute(filters=None):
	survey_settings.reset()
	filters = frappe._dict(filters or {})
	start = getdate(filters.from_date or get_first_day(today()))
	end = getdate(filters.to_date or get_last_day(today()))
	institutions = visible_institutions()
	if filters.institution:
		if institutions is not None and filters.institution not in institutions:
			return columns(False), []
		institutions = [filters.institution]
	department = department_only(frappe.session.user) or filters.department
	by_department = bool(filters.by_department or department)
	data = rows(start, end, institutions, department, by_department)
	return columns(by_department), data, None, chart(data)


def columns(by_department: bool) -> list[dict]:
	cols = [
		column("rank", "Rank", "Int", 60),
		column("institution", "Institution", "Link", 180, "HSQ Institution"),
	]
	if by_department:
		cols.append(column("department", "Department", "Link", 160, "HSQ Department"))
	for kind in KINDS:
		key = kind.lower()
		cols += [
			column(f"{key}_satisfaction", f"{kind} Satisfaction", "Percent", 120),
			column(f"{key}_answers", "Answers", "Int", 80),
			column(f"{key}_quota", "Quota", "Int", 80),
		]
	cols += [
		column("follow_up_average", "Follow Up Call Satisfaction", "Float", 130, precision=2),
		column("follow_up_calls", "Answers", "Int", 80),
	]
	return cols


def rows(start, end, institutions, department, by_department) -> list[dict]:
	group = ("institution", "department", "kind") if by_department else ("institution", "kind")
	table: dict[tuple, dict] = {}
	for r in indicators.survey_figures(start, end, institutions, department, group_by=group):
		key = (r["institution"], r.get("department")) if by_department else (r["institution"], None)
		row = table.setdefault(key, {"institution": key[0], "department": key[1]})
		n = cint(r["responses"])
		prefix = r["kind"].lower()
		row[f"{prefix}_answers"] = n
		row[f"{prefix}_satisfaction"] = round(100 * flt(r["satisfied"]) / n, 1) if n else None
	T = frappe.qb.DocType("HSQ Satisfaction Day Stat")
	cols = [T.institution, T.department] if by_department else [T.institution]
	q = (
		frappe.qb.from_(T)
		.select(*cols, Sum(T.responses).as_("n"), Sum(T.score_sum).as_("s"))
		.where(T.basis == "Completed")
		.where(T.dimension == "")
		.where(T.day >= start)
		.where(T.day <= end)
		.groupby(*cols)
	)
	q = indicators._scope_filter(q, T, institutions, department)
	for r in q.run(as_dict=True):
		key = (r.institution, r.get("department")) if by_department else (r.institution, None)
		row = table.setdefault(key, {"institution": key[0], "department": key[1]})
		row["follow_up_calls"] = cint(r.n)
		row["follow_up_average"] = round(flt(r.s) / cint(r.n), 2) if cint(r.n) else None
	for (inst, dept), row in table.items():
		quota = indicators.quotas(start, end, [inst], dept if by_department else None)
		for kind in KINDS:
			row[f"{kind.lower()}_quota"] = quota[kind] if (kind != "Staff" or not dept) else None
	ordered = sorted(
		table.values(),
		key=lambda r: (-(r.get("outpatient_satisfaction") or -1), -(r.get("inpatient_satisfaction") or -1)),
	)
	for i, row in enumerate(ordered, 1):
		row["rank"] = i
	return ordered


def chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	top = data[:20]
	return {
		"data": {
			"labels": [r["department"] or r["institution"] for r in top],
			"datasets": [
				{
					"name": _(f"{k} Satisfaction"),
					"values": [r.get(f"{k.lower()}_satisfaction") or 0 for r in top],
				}
				for k in ("Outpatient", "Inpatient")
			],
		},
		"type": "bar",
	}

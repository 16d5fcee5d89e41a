"""The three national satisfaction indicators (国办发〔2019〕4号 指标53-55): outpatient, inpatient and
staff satisfaction per institution, department and month, with the number of answers against the
bureau's quota; follow-up call satisfaction beside them. Everything adds up per-day cells
(HSQ Survey Day Stat, HSQ Satisfaction Day Stat, HSQ Discharge Day Stat), so a county's millions of answers answer at once.

Quotas (HSQ Survey Settings): outpatient answers per working day and institution; inpatient answers
as a share of the month's discharges; staff answers as a share of active staff.
"""

from __future__ import annotations

import math
from datetime import date

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, add_months, cint, flt, get_first_day, get_last_day, getdate, today

from hsq_app.permissions import department_only, visible_institutions
from hsq_app.survey import settings as survey_settings
from hsq_app.survey import stats
from hsq_app.utils.work_calendar import is_working_day

KINDS = ("Outpatient", "Inpatient", "Staff")
DAY_STAT = "HSQ Survey Day Stat"
DISCHARGE_STAT = "HSQ Discharge Day Stat"  # discharges per day (hsq_app.follow_up.stats)


def _scope_filter(q, T, institutions, department):
	if institutions is not None:
		q = q.where(T.institution.isin(institutions or [""]))
	if department:
		q = q.where(T.department == department)
	return q


SUMS = ("responses", "score_sum", "satisfied", "low")


def survey_figures(
	start: date, end: date, institutions=None, department=None, group_by=("kind",)
) -> list[dict]:
	"""Answers, score sum, satisfied and low answers over [start, end], grouped: whole closed months
	from the month cells, the rest of the period from the day cells (hsq_app.survey.stats)."""
	start, end = getdate(start), getdate(end)
	whole = stats.whole_months(start, end)
	if not whole:
		return _sum_cells(DAY_STAT, "day", [(start, end)], institutions, department, group_by)
	first, last = whole
	days = [(start, add_days(first, -1)), (add_months(last, 1), end)]
	parts = _sum_cells(stats.MONTH_STAT, "month", [(first, last)], institutions, department, group_by)
	parts += _sum_cells(
		DAY_STAT, "day", [d for d in days if d[0] <= d[1]], institutions, department, group_by
	)
	merged: dict[tuple, dict] = {}
	for r in parts:
		key = tuple(r[g] for g in group_by)
		row = merged.setdefault(key, {**{g: r[g] for g in group_by}, **dict.fromkeys(SUMS, 0)})
		for f in SUMS:
			row[f] += cint(r[f])
	return list(merged.values())


def _sum_cells(doctype, period, ranges, institutions, department, group_by) -> list[dict]:
	if not ranges:
		return []
	T = frappe.qb.DocType(doctype)
	cols = [T[g] for g in group_by]
	within = None
	for lo, hi in ranges:
		part = (T[period] >= lo) & (T[period] <= hi)
		within = part if within is None else within | part
	q = frappe.qb.from_(T).select(*cols, *(Sum(T[f]).as_(f) for f in SUMS)).where(within)
	q = _scope_filter(q, T, institutions, department)
	return q.groupby(*cols).run(as_dict=True) if cols else q.run(as_dict=True)


def follow_up_satisfaction(start: date, end: date, institutions=None, department=None) -> dict:
	"""Overall satisfaction of completed follow-up calls (by day of completion)."""
	T = frappe.qb.DocType("HSQ Satisfaction Day Stat")
	q = (
		frappe.qb.from_(T)
		.select(Sum(T.responses).as_("responses"), Sum(T.score_sum).as_("score_sum"))
		.where(T.basis == "Completed")
		.where(T.dimension == "")
		.where(T.day >= start)
		.where(T.day <= end)
	)
	row = _scope_filter(q, T, institutions, department).run(as_dict=True)[0]
	n = cint(row.responses)
	return {"responses": n, "average": round(flt(row.score_sum) / n, 2) if n else None}


def working_days(start: date, end: date) -> int:
	count, day = 0, start
	while day <= end:
		count += 1 if is_working_day(day) else 0
		day = add_days(day, 1)
	return count


def _settings():
	get = lambda f: survey_settings.get(f)  # noqa: E731
	return (
		cint(get("outpatient_quota_per_working_day")),
		flt(get("inpatient_quota_percent")),
		flt(get("staff_quota_percent")),
	)


def _hospitals(institutions) -> list[str]:
	filters = {"institution_type": ("!=", "Bureau"), "disabled": 0}
	if institutions is not None:
		filters["name"] = ("in", institutions or [""])
	return frappe.get_all("HSQ Institution", filters=filters, pluck="name")


def quotas(start: date, end: date, institutions=None, department=None) -> dict[str, int]:
	"""How many answers of each kind the period calls for (to date when it is the current month)."""
	per_day, inpatient_pct, staff_pct = _settings()
	hospitals = _hospitals(institutions)
	end = min(end, getdate(today()))
	if end < start or not hospitals:
		return dict.fromkeys(KINDS, 0)
	units = 1 if department else len(hospitals)
	D = frappe.qb.DocType(DISCHARGE_STAT)
	q = (
		frappe.qb.from_(D)
		.select(Sum(D.discharged))
		.where(D.discharge_date >= start)
		.where(D.discharge_date <= end)
	)
	q = q.where(D.institution.isin(hospitals))
	if department:
		q = q.where(D.department == department)
	discharges = cint(q.run()[0][0])
	staff_filters = {"status": "Active", "institution": ("in", hospitals)}
	staff = 0 if department else frappe.db.count("HSQ Staff", staff_filters)
	return {
		"Outpatient": per_day * working_days(start, end) * units,
		"Inpatient": math.ceil(discharges * inpatient_pct / 100),
		"Staff": math.ceil(staff * staff_pct / 100),
	}


def quotas_by(start: date, end: date, keys: list[tuple[str, str | None]]) -> dict[tuple, dict[str, int]]:
	"""quotas() for many (institution, department or None) at once: one query per figure, not per row."""
	per_day, inpatient_pct, staff_pct = _settings()
	end = min(getdate(end), getdate(today()))
	institutions = sorted({inst for inst, _dept in keys})
	if end < start or not institutions:
		return {key: dict.fromkeys(KINDS, 0) for key in keys}
	hospitals = set(_hospitals(institutions))
	days = working_days(start, end)
	D = frappe.qb.DocType(DISCHARGE_STAT)
	by_dept: dict[tuple, int] = {}
	for inst, dept, n in (
		frappe.qb.from_(D)
		.select(D.institution, D.department, Sum(D.discharged))
		.where(D.discharge_date >= start)
		.where(D.discharge_date <= end)
		.where(D.institution.isin(institutions))
		.groupby(D.institution, D.department)
		.run()
	):
		by_dept[(inst, dept)] = cint(n)
	S = frappe.qb.DocType("HSQ Staff")
	staff = dict(
		frappe.qb.from_(S)
		.select(S.institution, Count(S.name))
		.where(S.status == "Active")
		.where(S.institution.isin(institutions))
		.groupby(S.institution)
		.run()
	)
	out = {}
	for inst, dept in keys:
		if inst not in hospitals:
			out[(inst, dept)] = dict.fromkeys(KINDS, 0)
			continue
		if dept:
			discharges = by_dept.get((inst, dept), 0)
		else:
			discharges = sum(n for (i, _d), n in by_dept.items() if i == inst)
		out[(inst, dept)] = {
			"Outpatient": per_day * days,
			"Inpatient": math.ceil(discharges * inpatient_pct / 100),
			"Staff": 0 if dept else math.ceil(cint(staff.get(inst)) * staff_pct / 100),
		}
	return out


def summarize(kind: str, row: dict | None, quota: int) -> dict:
	n = cint((row or {}).get("responses"))
	return {
		"kind": kind,
		"label": _(kind),
		"responses": n,
		"average": round(flt(row["score_sum"]) / n, 2) if n else None,
		"satisfaction": round(100 * flt(row["satisfied"]) / n, 1) if n else None,
		"low": cint((row or {}).get("low")),
		"quota": quota,
		"quota_met": bool(quota == 0 or n >= quota),
		"quota_percent": round(100 * n / quota, 1) if quota else None,
	}


def indicators_for(start, end, institutions=None, department=None) -> dict:
	start, end = getdate(start), getdate(end)
	rows = {r["kind"]: r for r in survey_figures(start, end, institutions, department)}
	quota = quotas(start, end, institutions, department)
	kinds = ("Outpatient", "Inpatient") if department else KINDS
	return {
		"from": str(start),
		"to": str(end),
		"indicators": [summarize(k, rows.get(k), quota[k]) for k in kinds],
		"follow_up_calls": follow_up_satisfaction(start, end, institutions, department),
	}


@frappe.whitelist()
def workspace_indicators() -> dict:
	"""This month's three indicators over what the user may see (the workspace block)."""
	survey_settings.reset()
	if frappe.session.user == "Guest":
		frappe.throw(_("Please log in"), frappe.PermissionError)
	if not frappe.has_permission(DAY_STAT, "read"):
		return {"indicators": [], "follow_up_calls": {}}
	institutions = visible_institutions()
	department = department_only(frappe.session.user)
	start = getdate(get_first_day(today()))
	return indicators_for(start, get_last_day(start), institutions, department)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""Survey Themes: the themes of complaints, survey comments and follow-up notes, ranked by mentions
in the month, with the month before and the baseline (trend) and example comments."""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Sum
from frappe.utils import add_months, cint, flt, get_first_day, getdate, today

from hsq_app.permissions import department_only, visible_institutions
from hsq_app.survey import settings as survey_settings
from hsq_app.survey import themes
from hsq_app.utils.report import column

LIMIT = 200


def execute(filters=None):
	survey_settings.reset()
	filters = frappe._dict(filters or {})
	month = getdate(get_first_day(filters.month or today()))
	institutions = visible_institutions()
	if filters.institution:
		if institutions is not None and filters.institution not in institutions:
			return columns(), []
		institutions = [filters.institution]
	department = department_only(frappe.session.user) or filters.department
	return columns(), rows(month, institutions, department)


def columns():
	return [
		column("rank", "Rank", "Int", 60),
		column("theme", "Theme", "Data", 140),
		column("mentions", "Mentions", "Int", 90),
		column("previous", "Previous Month", "Int", 100),
		column("baseline", "Baseline", "Float", 90, precision=1),
		column("trend", "Trend", "Data", 80),
		column("from_complaints", "From Complaints", "Int", 90),
		column("from_surveys", "From Surveys", "Int", 90),
		column("from_follow_ups", "From Follow Ups", "Int", 90),
		column("examples", "Examples", "Data", 360),
	]


def _sums(T, start, end, institutions, department):
	q = (
		frappe.qb.from_(T)
		.select(
			T.theme,
			Sum(T.mentions).as_("mentions"),
			Sum(T.from_complaints).as_("from_complaints"),
			Sum(T.from_surveys).as_("from_surveys"),
			Sum(T.from_follow_ups).as_("from_follow_ups"),
		)
		.where(T.month >= start)
		.where(T.month <= end)
		.groupby(T.theme)
	)
	if institutions is not None:
		q = q.where(T.institution.isin(institutions or [""]))
	if department:
		q = q.where(T.department == department)
	return q


def rows(month, institutions, department) -> list[dict]:
	_min, _ratio, months = themes._settings()
	T = frappe.qb.DocType(themes.MONTH_STAT)
	current = (
		_sums(T, month, month, institutions, department)
		.orderby(Sum(T.mentions), order=frappe.qb.desc)
		.limit(LIMIT)
		.run(as_dict=True)
	)
	if not current:
		return []
	names = [r.theme for r in current]
	prev = {
		r.theme: cint(r.mentions)
		for r in _sums(T, add_months(month, -1), add_months(month, -1), institutions, department)
		.where(T.theme.isin(names))
		.run(as_dict=True)
	}
	base = {
		r.theme: flt(r.mentions) / months
		for r in _sums(T, add_months(month, -months), add_months(month, -1), institutions, department)
		.where(T.theme.isin(names))
		.run(as_dict=True)
	}
	ex = (
		frappe.qb.from_(T)
		.select(T.theme, T.examples)
		.where(T.month == month)
		.where(T.theme.isin(names))
		.where(T.examples.isnotnull())
	)
	if institutions is not None:
		ex = ex.where(T.institution.isin(institutions or [""]))
	if department:
		ex = ex.where(T.department == department)
	examples: dict[str, list[str]] = {}
	for r in ex.run(as_dict=True):
		examples.setdefault(r.theme, []).extend(e for e in (r.examples or "").split("\n") if e)
	out = []
	for i, r in enumerate(current, 1):
		baseline = round(base.get(r.theme, 0.0), 1)
		trend = "↑" if r.mentions > max(baseline, 1) * 1.5 else ("↓" if r.mentions < baseline * 0.67 else "→")
		out.append(
			{
				**r,
				"rank": i,
				"previous": prev.get(r.theme, 0),
				"baseline": baseline,
				"trend": trend,
				"examples": " ｜ ".join(examples.get(r.theme, [])[:3]),
			}
		)
	return out

"""Closed months kept whole (issue 15): a year's indicators add up month cells, and the figures are
the same as adding up the day cells, after late answers and rebuilds too."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, add_months, get_first_day, getdate, now_datetime, today

from hsq_app.survey import indicators, stats, store
from hsq_app.survey.report.survey_indicators import survey_indicators


def answer(world, at, score, kind="Outpatient"):
	return store.insert_answer(
		{
			"kind": kind,
			"source": "QR",
			"institution": world.a.institution,
			"department": world.a.dept1 if kind != "Staff" else None,
			"overall_score": score,
			"submitted_at": at,
		},
		[],
	)


def figures(start, end, world):
	rows = indicators.survey_figures(
		start, end, [world.a.institution], None, group_by=("institution", "department", "kind")
	)
	return sorted((r["department"] or "", r["kind"], *(int(r[f]) for f in indicators.SUMS)) for r in rows)


def day_cells_only(start, end, world, monkeypatch):
	with monkeypatch.context() as m:
		m.setattr(stats, "whole_months", lambda *a: None)
		return figures(start, end, world)


def test_closed_months_are_read_whole_and_add_up_like_the_days(shared_world, monkeypatch):
	w = shared_world
	this_month = getdate(get_first_day(today()))
	noon = now_datetime().replace(hour=12, minute=0, second=0, microsecond=0)
	for back, score in ((3, 5), (2, 1), (2, 4), (1, 3)):
		at = add_months(noon, -back)
		answer(w, at, score)
		answer(w, add_days(at, 1), score, kind="Staff")
	answer(w, noon, 5)
	start, end = add_days(add_months(this_month, -3), 3), today()  # a partial first month

	before = day_cells_only(start, end, w, monkeypatch)
	assert stats.roll_up_closed() > 0
	assert stats.rolled_through() == add_months(this_month, -1)
	first, last = stats.whole_months(start, end)
	assert (first, last) == (add_months(this_month, -2), add_months(this_month, -1))
	assert frappe.db.exists(stats.MONTH_STAT, {"month": first, "department": w.a.dept1, "kind": "Outpatient"})
	assert figures(start, end, w) == before

	# a late answer of a month already kept whole, and a rebuild of its days, keep them equal
	answer(w, add_months(noon, -1), 2)
	stats.rebuild(add_months(this_month, -1), add_days(this_month, -1))
	assert figures(start, end, w) == day_cells_only(start, end, w, monkeypatch)

	# the ranking report reads the same figures
	frappe.set_user(w.bureau_admin)
	_cols, data, *_ = survey_indicators.execute(
		{"from_date": start, "to_date": end, "institution": w.a.institution, "by_department": 1}
	)
	row = next(r for r in data if r["department"] == w.a.dept1)
	outpatient = next(f for f in figures(start, end, w) if f[:2] == (w.a.dept1, "Outpatient"))
	assert row["outpatient_answers"] == outpatient[2]

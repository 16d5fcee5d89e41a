# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

"""Satisfaction by questionnaire dimension and department over time (completed follow-ups by month)."""

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder import CustomFunction, DocType
from frappe.query_builder.functions import Sum
from frappe.utils import add_months, get_first_day, get_last_day, getdate, today

from hsq_app.follow_up import stats
from hsq_app.follow_up.monthly_report import dimension_order
from hsq_app.utils.report import institution_scope

DateFormat = CustomFunction("DATE_FORMAT", ["date", "format"])


def execute(filters=None):
	filters = frappe._dict(filters or {})
	start = getdate(filters.from_date or get_first_day(add_months(today(), -11)))
	end = getdate(filters.to_date or get_last_day(today()))
	if start > end:
		frappe.throw(_("From Date must be before To Date"))
	cells = monthly_cells(filters, start, end)
	for cell in cells:
		cell.n = int(cell.n or 0)
		cell.avg = float(cell.total) / cell.n if cell.n else None
	overall = [
		frappe._dict(
			period=c.period,
			institution=c.institution,
			department=c.department,
			responses=c.n,
			overall=c.avg,
		)
		for c in cells
		if c.dimension == stats.OVERALL and c.n
	]
	by_dimension = [c for c in cells if c.dimension != stats.OVERALL and c.n]
	order = dimension_order()
	dimensions = sorted({r.dimension for r in by_dimension}, key=lambda d: (order.get(d, len(order)), d))
	keys = {d: f"dim_{i}" for i, d in enumerate(dimensions)}
	cells = {(r.period, r.institution, r.department, r.dimension): r.avg for r in by_dimension}
	data = []
	for row in overall:
		line = {
			"period": row.period,
			"institution": row.institution,
			"department": row.department,
			"responses": row.responses,
			"overall": round(float(row.overall), 2),
			"_dimensions": {key: dimension for dimension, key in keys.items()},  # for drill-downs
		}
		for dimension, key in keys.items():
			value = cells.get((row.period, row.institution, row.department, dimension))
			line[key] = round(float(value), 2) if value is not None else None
		data.append(line)
	return columns(keys), data, None, chart(by_dimension, overall, dimensions, months(start, end))


def monthly_cells(filters, start, end) -> list:
	"""Responses and score sums per month, institution, department and dimension."""
	# sums of the per-day cells kept by hsq_app.follow_up.stats (by day of completion)
	st = DocType(stats.SCORE_STAT)
	period = DateFormat(st.day, "%Y-%m")
	condition = (st.basis == stats.COMPLETED) & st.day.between(start, end)
	if (scope := institution_scope(st.institution)) is not None:
		condition &= scope
	if filters.institution:
		condition &= st.institution == filters.institution
	if filters.department:
		condition &= st.department == filters.department
	return (
		frappe.qb.from_(st)
		.select(
			period.as_("period"),
			st.institution,
			st.department,
			st.dimension,
			Sum(st.responses).as_("n"),
			Sum(st.score_sum).as_("total"),
		)
		.where(condition)
		.groupby(period, st.institution, st.department, st.dimension)
		.orderby(period)
		.orderby(st.institution)
		.orderby(st.department)
		.run(as_dict=True)
	)


def columns(keys):
	cols = [
		{"fieldname": "period", "label": _("Month"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "institution",
			"label": _("Institution"),
			"fieldtype": "Link",
			"options": "HSQ Institution",
			"width": 180,
		},
		{
			"fieldname": "department",
			"label": _("Department"),
			"fieldtype": "Link",
			"options": "HSQ Department",
			"width": 160,
		},
		{"fieldname": "responses", "label": _("Responses"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "overall",
			"label": _("Overall Satisfaction"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 110,
		},
	]
	cols += [
		{"fieldname": key, "label": _(dimension), "fieldtype": "Float", "precision": 2, "width": 110}
		for dimension, key in keys.items()
	]
	return cols


def months(start, end) -> list[str]:
	"""Each month of the period as YYYY-MM."""
	out, month = [], start.replace(day=1)
	while month <= end:
		out.append(month.strftime("%Y-%m"))
		month = add_months(month, 1)
	return out


def chart(by_dimension, overall, dimensions, period_months=()):
	"""Average per dimension per month over the filtered departments (weighted by responses); every
	month of the period is on the axis, those without answers too (a trend shows every month)."""
	periods = sorted({r.period for r in overall})
	if not periods:
		return None
	periods = sorted(set(periods) | set(period_months))
	sums = defaultdict(lambda: [0.0, 0])
	for r in by_dimension:
		s = sums[(r.period, r.dimension)]
		s[0] += float(r.avg) * r.n
		s[1] += r.n
	overall_sums = defaultdict(lambda: [0.0, 0])
	for r in overall:
		s = overall_sums[r.period]
		s[0] += float(r.overall) * r.responses
		s[1] += r.responses

	def avg(pair):
		return round(pair[0] / pair[1], 2) if pair[1] else None

	datasets = [{"name": _("Overall Satisfaction"), "values": [avg(overall_sums[p]) for p in periods]}]
	datasets += [{"name": _(d), "values": [avg(sums[(p, d)]) for p in periods]} for d in dimensions]
	return {
		"data": {"labels": periods, "datasets": datasets},
		"type": "line" if len(periods) > 1 else "bar",  # a line of one month draws nothing
		"axisOptions": {"xIsSeries": 1},
	}

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

"""Follow-up coverage per institution (回访率): the monthly report's figures for any date range."""

import frappe
from frappe import _
from frappe.utils import get_first_day, get_last_day, getdate, today

from hsq_app.follow_up.monthly_report import figures_between, reporting_institutions
from hsq_app.utils.report import column, institutions_in_scope


def execute(filters=None):
	filters = frappe._dict(filters or {})
	start = getdate(filters.from_date or get_first_day(today()))
	end = getdate(filters.to_date or get_last_day(today()))
	if start > end:
		frappe.throw(_("From Date must be before To Date"))
	institutions = institutions_in_scope(reporting_institutions())
	if filters.institution:
		institutions = [i for i in institutions if i == filters.institution]
	figures = figures_between(institutions, start, end)
	types = dict(
		frappe.get_all(
			"HSQ Institution",
			filters={"name": ("in", institutions or [""])},
			fields=["name", "institution_type"],
			as_list=True,
		)
	)
	data = [{"institution": i, "institution_type": _(types.get(i) or ""), **figures[i]} for i in institutions]
	data.sort(key=lambda r: (r["coverage_percent"], r["institution"]))
	return columns(), data, None, chart(data)


def columns():
	def col(fieldname, label, fieldtype="Int", width=110, **kw):
		return column(fieldname, label, fieldtype, width, **kw)

	return [
		col("institution", "Institution", "Link", 200, options="HSQ Institution"),
		col("institution_type", "Institution Type", "Data", 130),
		col("discharged", "Patients Discharged"),
		col("planned", "Follow-ups Planned"),
		col("completed", "Follow-ups Completed"),
		col("unreachable", "Unreachable"),
		col("refused", "Refused"),
		col("not_done", "Not Yet Done"),
		col("coverage_percent", "Coverage", "Percent"),
		col("avg_satisfaction", "Average Satisfaction", "Float", precision=2),
		col("issues_found", "Issues Found"),
		col("complaints_raised", "Complaints Raised"),
	]


def chart(data):
	if not data:
		return None
	return {
		"data": {
			"labels": [r["institution"] for r in data],
			"datasets": [{"name": _("Coverage"), "values": [r["coverage_percent"] for r in data]}],
		},
		"type": "bar",
		"fieldtype": "Percent",
		"colors": ["#2490ef"],
	}

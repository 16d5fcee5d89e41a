# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""督查常见问题: the checklist items most often failed county-wide (or in one institution)."""

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import flt

from hsq_app.inspection.report_scope import submitted_visits
from hsq_app.inspection.visits import FAIL, INSPECTION, PASS
from hsq_app.utils.report import column


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = data(filters)
	return columns(), rows, None, chart(rows)


def columns() -> list[dict]:
	return [
		column("item", "Item", width=320),
		column("area", "Area", width=110),
		column("checked", "Times Checked", "Int", 100),
		column("failed", "Times Failed", "Int", 100),
		column("fail_rate", "Fail Rate", "Percent", 90),
		column("institutions", "Institutions Failing", "Int", 110),
	]


def data(filters) -> list[dict]:
	I, R = frappe.qb.DocType(INSPECTION), frappe.qb.DocType("HSQ Inspection Item")
	failed = Case().when(R.result == FAIL, 1).else_(0)
	q = (
		frappe.qb.from_(R)
		.join(I)
		.on((R.parent == I.name) & (R.parenttype == INSPECTION))
		.select(
			R.item,
			R.area,
			Count(R.name).as_("checked"),
			Sum(failed).as_("failed"),
			Count(Case().when(R.result == FAIL, I.institution)).distinct().as_("institutions"),
		)
		# a re-inspection checks only what failed before; counting it would double the failures
		.where(I.reinspection_of.isnull() | (I.reinspection_of == ""))
		.where(R.result.isin((PASS, FAIL)))
		.groupby(R.item, R.area)
	)
	rows = [r for r in submitted_visits(q, I, filters).run(as_dict=True) if flt(r.failed)]
	for row in rows:
		row.failed = int(row.failed)
		row.fail_rate = flt(100 * row.failed / row.checked, 1) if row.checked else 0
		row.area = frappe._(row.area)
	rows.sort(key=lambda r: (-r.failed, -r.fail_rate, r.item))
	return rows


def chart(rows) -> dict | None:
	if not rows:
		return None
	top = rows[:10]
	return {
		"data": {
			"labels": [r.item[:16] for r in top],
			"datasets": [{"name": frappe._("Times Failed"), "values": [r.failed for r in top]}],
		},
		"type": "bar",
	}

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""整改台账: every rectification task with its source, owner, deadline, stage, state and effect."""

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import getdate

from hsq_app.rectification.tasks import TASK
from hsq_app.utils.report import column, ledger_query


def execute(filters=None):
	rows = data(frappe._dict(filters or {}))
	return columns(), rows, None, chart(rows), summary(rows)


def chart(rows) -> dict | None:
	"""Tasks per workflow state, the overdue ones apart (the ledger's 盘点 at a glance)."""
	if not rows:
		return None
	states, overdue = {}, {}
	for row in rows:
		states[row.workflow_state] = states.get(row.workflow_state, 0) + 1
		overdue[row.workflow_state] = overdue.get(row.workflow_state, 0) + (1 if row.is_overdue else 0)
	labels = list(states)
	return {
		"data": {
			"labels": labels,
			"datasets": [
				{"name": _("Within Deadline"), "values": [states[s] - overdue[s] for s in labels]},
				{"name": _("Overdue"), "values": [overdue[s] for s in labels]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#2490ef", "#e24c4c"],
	}


def summary(rows) -> list[dict]:
	closed = _("Closed")
	return [
		{"label": _("Rectification Tasks"), "value": len(rows), "datatype": "Int", "indicator": "Blue"},
		{
			"label": _("Not Closed"),
			"value": sum(1 for r in rows if r.workflow_state != closed),
			"datatype": "Int",
			"indicator": "Orange",
		},
		{
			"label": _("Overdue"),
			"value": sum(1 for r in rows if r.is_overdue and r.workflow_state != closed),
			"datatype": "Int",
			"indicator": "Red",
		},
		{
			"label": closed,
			"value": sum(1 for r in rows if r.workflow_state == closed),
			"datatype": "Int",
			"indicator": "Green",
		},
	]


def columns() -> list[dict]:
	col = column

	return [
		col("name", "Rectification Task", "Link", 140, TASK),
		col("source_type", "Source Type", width=110),
		col("source_name", "Source", width=160),
		col("institution", "Institution", "Link", 160, "HSQ Institution"),
		col("responsible_department", "Responsible Department", "Link", 140, "HSQ Department"),
		col("category", "Category", "Link", 110, "HSQ Complaint Category"),
		col("problem", "Problem", width=220),
		col("responsible_leader", "Responsible Leader", "Link", 140, "User"),
		col("deadline", "Deadline", "Date", 100),
		col("measures_done", "Measures Done", width=90),
		col("evidence_count", "Evidence Files", "Int", 80),
		col("pdca_stage", "PDCA Stage", width=80),
		col("workflow_state", "Workflow State", width=110),
		col("is_overdue", "Overdue", "Check", 70),
		col("verified_by", "Verified By", "Link", 130, "User"),
		col("verified_at", "Verified At", "Datetime", 150),
		col("complaints_before", "Complaints Before", "Int", 90),
		col("complaints_after", "Complaints After", "Int", 90),
		col("effect_result", "Effect", width=100),
		col("raised_by_institution", "Raised by the Institution", "Check", 80),
	]


FIELDS = (
	"name",
	"source_type",
	"source_name",
	"institution",
	"responsible_department",
	"category",
	"problem",
	"responsible_leader",
	"deadline",
	"evidence_count",
	"pdca_stage",
	"workflow_state",
	"is_overdue",
	"verified_by",
	"verified_at",
	"complaints_before",
	"complaints_after",
	"effect_result",
	"raised_by_institution",
)


def data(filters) -> list[dict]:
	T, q = ledger_query(
		TASK,
		FIELDS,
		filters,
		("institution", "responsible_department", "source_type", "pdca_stage", "workflow_state"),
	)
	if filters.get("is_overdue"):
		q = q.where(T.is_overdue == 1)
	if filters.get("from_date"):
		q = q.where(T.creation >= getdate(filters.from_date))
	if filters.get("to_date"):
		q = q.where(T.creation < frappe.utils.add_days(getdate(filters.to_date), 1))
	rows = q.orderby(T.creation, order=frappe.qb.desc).run(as_dict=True)
	if not rows:
		return rows

	M = frappe.qb.DocType("HSQ Rectification Measure")
	progress = {
		r.parent: r
		for r in frappe.qb.from_(M)
		.select(M.parent, Count(M.name).as_("total"), Sum(M.done).as_("done"))
		.where(M.parenttype == TASK)
		.where(M.parent.isin([r.name for r in rows]))
		.groupby(M.parent)
		.run(as_dict=True)
	}
	for row in rows:
		p = progress.get(row.name)
		row.measures_done = f"{int(p.done or 0)}/{p.total}" if p else "0/0"
		row.source_type = _(row.source_type) if row.source_type else row.source_type
		row.pdca_stage = _(row.pdca_stage) if row.pdca_stage else row.pdca_stage
		row.workflow_state = _(row.workflow_state) if row.workflow_state else row.workflow_state
		row.effect_result = _(row.effect_result) if row.effect_result else row.effect_result
	return rows

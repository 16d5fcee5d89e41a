# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""月度汇总: per institution for one month — complaints, SLA, escalations, satisfaction, follow-up
coverage, rectification and accountability — ranked, with month-on-month change.

Every figure is one aggregate query grouped by institution over indexed columns; rows are
limited to the institutions the viewer may see (hsq_app.permissions.visible_institutions).
"""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_months, flt, get_first_day, get_last_day, getdate

from hsq_app.complaints import workflow as wf
from hsq_app.complaints.repeats import counted
from hsq_app.follow_up import stats
from hsq_app.rectification.tasks import CLOSED as TASK_CLOSED
from hsq_app.utils.report import column
from hsq_app.utils.report import institutions_in_scope as scoped


def execute(filters=None):
	filters = frappe._dict(filters or {})
	month = get_first_day(getdate(filters.month or frappe.utils.today()))
	institutions = institutions_in_scope(filters.get("institution"))
	current = figures(month, institutions)
	previous = figures(add_months(month, -1), institutions)
	rows = []
	for inst in institutions:
		row = frappe._dict(current.get(inst, {}))
		row.institution = inst
		before = previous.get(inst, {})
		row.received_change = (row.get("received") or 0) - (before.get("received") or 0)
		row.on_time_change = flt(row.get("on_time_rate")) - flt(before.get("on_time_rate"))
		rows.append(row)
	# rank: fewer upheld complaints per received, then higher on-time rate, then satisfaction
	rows.sort(key=lambda r: (-flt(r.get("on_time_rate")), -flt(r.get("satisfaction")), r.get("upheld") or 0))
	for i, row in enumerate(rows, start=1):
		row.rank = i
	return columns(), rows, None, chart(rows)


def institutions_in_scope(institution: str | None) -> list[str]:
	filters = {"institution_type": ("!=", "Bureau"), "disabled": 0}
	if institution:
		filters["name"] = institution
	return scoped(frappe.get_all("HSQ Institution", filters=filters, pluck="name", order_by="lft asc"))


def figures(month, institutions: list[str]) -> dict:
	"""Each institution's figures of the month: complaints, follow-ups, rectification, accountability."""
	if not institutions:
		return {}
	start, end = month, get_last_day(month)
	span = (start, end, f"{end} 23:59:59")
	out: dict[str, dict] = {i: {} for i in institutions}
	for part in (_complaints, _follow_ups, _tasks, _accountability):
		part(out, institutions, month, span)
	return out


# the complaint figures: (the date that puts a complaint in the month, its count, the shares of it)
COMPLAINT_FIGURES = (
	(
		"received_at",
		"received",
		(
			("closed", lambda c: c.workflow_state == wf.CLOSED),
			("upheld", lambda c: c.finding.isin(["Upheld", "Partially Upheld"])),
			("escalated", lambda c: c.escalation_level > 0),
		),
	),
	("resolved_at", "resolved", (("on_time", lambda c: c.resolved_at <= c.resolve_by),)),
)


def _complaints(out, institutions, month, span):
	"""Received and resolved in the month, per institution (merged duplicates not counted), added up
	from the kept cells (hsq_app.complaints.ledger_stats; equal to ``_complaints_from_complaints``)."""
	from hsq_app.complaints import ledger_stats

	start, end, _end_ts = span
	for institution, r in ledger_stats.received_figures(institutions, start, end).items():
		out[institution].update(r)
	for institution, r in ledger_stats.resolved_figures(institutions, start, end).items():
		out[institution].update(r, on_time_rate=round(100.0 * r["on_time"] / r["resolved"], 1))


def _complaints_from_complaints(out, institutions, month, span):
	"""The same counted from the complaints (what the report read before the cells)."""
	start, _end, end_ts = span
	c = frappe.qb.DocType("HSQ Complaint")
	for date_field, total, shares in COMPLAINT_FIGURES:
		day = c[date_field]
		rows = (
			frappe.qb.from_(c)
			.select(
				c.institution,
				Count("*").as_(total),
				*(Sum(Case().when(cond(c), 1).else_(0)).as_(name) for name, cond in shares),
			)
			.where(c.institution.isin(institutions) & (day >= start) & (day <= end_ts) & counted(c))
			.groupby(c.institution)
		).run(as_dict=True)
		for r in rows:
			out[r.institution].update(r)
			if total == "resolved":
				out[r.institution]["on_time_rate"] = (
					round(100.0 * (r.on_time or 0) / r.resolved, 1) if r.resolved else None
				)


def _follow_ups(out, institutions, month, span):
	start, end, _end_ts = span
	# follow-ups due in the month: sums of the per-day cells (hsq_app.follow_up.stats)
	sums = stats.due_sums(institutions, start, end, ("planned", "completed", "rated", "rating_sum"))
	for institution, r in sums.items():
		planned, rated = r["planned"], r["rated"]
		out[institution].update(
			planned=planned,
			coverage=round(100.0 * r["completed"] / planned, 1) if planned else None,
			satisfaction=round(float(r["rating_sum"]) / rated, 2) if rated else None,
		)


def _tasks(out, institutions, month, span):
	start, _end, end_ts = span
	t = frappe.qb.DocType("HSQ Rectification Task")
	tasks = (
		frappe.qb.from_(t)
		.select(
			t.institution,
			Sum(Case().when(t.workflow_state != TASK_CLOSED, 1).else_(0)).as_("tasks_open"),
			Sum(Case().when((t.workflow_state != TASK_CLOSED) & (t.is_overdue == 1), 1).else_(0)).as_(
				"tasks_overdue"
			),
			Sum(
				Case()
				.when(
					(t.workflow_state == TASK_CLOSED) & (t.verified_at >= start) & (t.verified_at <= end_ts),
					1,
				)
				.else_(0)
			).as_("tasks_closed"),
		)
		.where(t.institution.isin(institutions))
		.groupby(t.institution)
	).run(as_dict=True)
	for r in tasks:
		out[r.institution].update(r)


def _accountability(out, institutions, month, span):
	a = frappe.qb.DocType("HSQ Accountability Record")
	acc = (
		frappe.qb.from_(a)
		.select(a.institution, Count("*").as_("accountability"))
		.where(a.institution.isin(institutions) & (a.year == month.year) & (a.status != "Dismissed"))
		.groupby(a.institution)
	).run(as_dict=True)
	for r in acc:
		out[r.institution].update(r)


def columns():
	def col(fieldname, label, fieldtype="Int", width=100, options=None):
		return column(fieldname, label, fieldtype, width, options)

	return [
		col("rank", "Rank", width=60),
		col("institution", "Institution", "Link", 180, "HSQ Institution"),
		col("received", "Complaints Received"),
		col("received_change", "Change from Last Month"),
		col("closed", "Closed"),
		col("upheld", "Upheld"),
		col("on_time_rate", "On-time Rate (%)", "Float"),
		col("on_time_change", "On-time Change (points)", "Float"),
		col("escalated", "Escalated"),
		col("coverage", "Follow-up Coverage (%)", "Float"),
		col("satisfaction", "Satisfaction (1-5)", "Float"),
		col("tasks_open", "Open Rectification Tasks"),
		col("tasks_overdue", "Overdue Rectification Tasks"),
		col("tasks_closed", "Tasks Closed This Month"),
		col("accountability", "Accountability Records This Year"),
	]


def chart(rows):
	if not rows:
		return None
	return {
		"data": {
			"labels": [r.institution for r in rows],
			"datasets": [
				{"name": _("Complaints Received"), "values": [r.get("received") or 0 for r in rows]},
				{"name": _("Upheld"), "values": [r.get("upheld") or 0 for r in rows]},
			],
		},
		"type": "bar",
	}

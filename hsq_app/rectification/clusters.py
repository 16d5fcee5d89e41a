"""Concentrated problems (集中反映的问题): clusters of similar complaints become rectification tasks.

A cluster is ``cluster_min_complaints`` (HSQ Settings, default 3) or more complaints of the same
category against the same department received within the last ``cluster_window_days`` (default 30).
Complaints that were not accepted do not count, nor do complaints already listed on a
rectification task (they have been dealt with, or are being). A cluster whose department and
category already have an open (not Closed) task is covered by it and proposes nothing.

The daily job proposes one task per cluster, for the bureau's inspector to verify, with the
department head as responsible leader and the cluster's complaints listed on it.
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Count, IfNull, Max, Min
from frappe.utils import add_days, cint, get_datetime, getdate
from pypika.terms import ExistsCriterion

from hsq_app.complaints import workflow as wf
from hsq_app.hsq_setup.departments import first_head
from hsq_app.rectification.tasks import CLOSED, DEFAULT_DEADLINE_DAYS, TASK, notify, now

DEFAULT_MIN_COMPLAINTS = 3
DEFAULT_WINDOW_DAYS = 30


def settings() -> tuple[int, int]:
	min_complaints = cint(frappe.db.get_single_value("HSQ Settings", "cluster_min_complaints", cache=False))
	window_days = cint(frappe.db.get_single_value("HSQ Settings", "cluster_window_days", cache=False))
	return min_complaints or DEFAULT_MIN_COMPLAINTS, window_days or DEFAULT_WINDOW_DAYS


def _conditions(C, since, until):
	"""Complaints that may form a cluster: in the window, with a department, accepted, not on a task."""
	RC, T = frappe.qb.DocType("HSQ Rectification Complaint"), frappe.qb.DocType(TASK)
	on_a_task = frappe.qb.from_(RC).select(RC.name).where(RC.complaint == C.name).where(RC.parenttype == TASK)
	open_task = (
		frappe.qb.from_(T)
		.select(T.name)
		.where(T.responsible_department == C.department)
		.where(T.category == C.category)
		.where(IfNull(T.workflow_state, "") != CLOSED)
	)
	return (
		(C.received_at >= since)
		& (C.received_at <= until)
		& (IfNull(C.department, "") != "")
		& (IfNull(C.workflow_state, "") != wf.NOT_ACCEPTED)
		& ExistsCriterion(on_a_task).negate()
		& ExistsCriterion(open_task).negate()
	)


def find_clusters(now_=None, min_complaints=None, window_days=None) -> list[frappe._dict]:
	"""Clusters not yet covered by a task, found with one aggregate query."""
	default_min, default_window = settings()
	min_complaints = cint(min_complaints) or default_min
	window_days = cint(window_days) or default_window
	until = get_datetime(now_) if now_ else now()
	since = until - timedelta(days=window_days)
	C = frappe.qb.DocType("HSQ Complaint")
	return (
		frappe.qb.from_(C)
		.select(
			C.institution,
			C.department,
			C.category,
			Count(C.name).as_("complaints"),
			Min(C.received_at).as_("first_received"),
			Max(C.received_at).as_("last_received"),
		)
		.where(_conditions(C, since, until))
		.groupby(C.institution, C.department, C.category)
		.having(Count(C.name) >= min_complaints)
		.run(as_dict=True)
	)


def cluster_complaints(cluster, since, until) -> list[str]:
	C = frappe.qb.DocType("HSQ Complaint")
	return (
		frappe.qb.from_(C)
		.select(C.name)
		.where(_conditions(C, since, until))
		.where(C.institution == cluster.institution)
		.where(C.department == cluster.department)
		.where(C.category == cluster.category)
		.orderby(C.received_at)
		.run(pluck=True)
	)


def detect_clusters(now_=None) -> list[str]:
	"""Daily job: propose one rectification task per uncovered cluster; returns the task names."""
	min_complaints, window_days = settings()
	until = get_datetime(now_) if now_ else now()
	since = until - timedelta(days=window_days)
	created = []
	for cluster in find_clusters(until, min_complaints, window_days):
		complaints = cluster_complaints(cluster, since, until)
		if len(complaints) < min_complaints:  # taken by a task proposed a moment ago
			continue
		created.append(propose_task(cluster, complaints, window_days, until))
	return created


def propose_task(cluster, complaints: list[str], window_days: int, until) -> str:
	department = frappe.db.get_value("HSQ Department", cluster.department, ["department_name"], as_dict=True)
	leader = first_head(cluster.department)
	if leader and frappe.db.get_value("HSQ Staff", {"user": leader, "status": "Active"}, "institution") != (
		cluster.institution
	):
		leader = None
	category = _(cluster.category)
	doc = frappe.get_doc(
		{
			"doctype": TASK,
			"source_type": "Concentrated Problem",
			"source_name": f"{cluster.category} / {cluster.department} / {getdate(until)}",
			"institution": cluster.institution,
			"responsible_department": cluster.department,
			"category": cluster.category,
			"responsible_leader": leader,
			"raised_by_institution": 0,
			"deadline": add_days(getdate(until), DEFAULT_DEADLINE_DAYS),
			"evaluation_days": window_days,
			"problem": _("{0} complaints about {1} against {2} within {3} days ({4} to {5})").format(
				len(complaints),
				category,
				department.department_name,
				window_days,
				getdate(cluster.first_received),
				getdate(cluster.last_received),
			),
			"complaints": [{"complaint": name} for name in complaints],
		}
	)
	doc.insert(ignore_permissions=True)
	notify(
		leader,
		doc.name,
		_("Concentrated problem: rectification task {0} for {1} ({2})").format(
			doc.name, department.department_name, category
		),
	)
	return doc.name

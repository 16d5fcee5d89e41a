"""Walking a complaint through its workflow as the right people (shared by the complaint tests)."""

import frappe
from factories import as_user, make_complaint
from frappe.model.workflow import apply_workflow

from hsq_app.complaints import workflow as wf
from hsq_app.complaints.api import apply_action


def act(user, name, action, **values):
	as_user(user)
	try:
		if values:
			return apply_action(name, action, values)
		return apply_workflow(frappe.get_doc("HSQ Complaint", name).as_dict(), action)
	finally:
		frappe.set_user("Administrator")


def state(name):
	return frappe.db.get_value("HSQ Complaint", name, "workflow_state")


RESOLUTION = {"finding": "Upheld", "resolution": "已批评教育当事护士", "reply_to_complainant": "已致歉并整改"}


def registered(w, **kw):
	as_user(w.a.officer)
	doc = make_complaint(w.a.institution, **kw)
	frappe.set_user("Administrator")
	return doc.name


def in_state(w, target, **kw):
	"""A complaint of hospital a, department 1, walked to `target` by the right people."""
	name = registered(w, **kw)
	path = [
		(wf.DISPATCHED, w.a.officer, "Dispatch", {"department": w.a.dept1}),
		(wf.ACCEPTED, w.a.handler1, "Accept", {}),
		(wf.IN_PROGRESS, w.a.handler1, "Start", {}),
		(wf.PENDING_APPROVAL, w.a.handler1, "Submit for Approval", RESOLUTION),
		(wf.RESOLVED, None, "Approve", {}),
	]
	for next_state, user, action, values in path:
		if state(name) == target:
			break
		if action == "Approve":
			sev = frappe.db.get_value("HSQ Complaint", name, "severity")
			user = w.a.leader if sev in wf.LEADER_SEVERITIES else w.a.head1
		act(user, name, action, **values)
		assert state(name) == next_state
	assert state(name) == target
	return name

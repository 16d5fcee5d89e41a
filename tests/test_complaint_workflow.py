"""The contract's complaint workflow, action by action and role by role (apply_workflow)."""

import frappe
import pytest
from complaint_steps import RESOLUTION, act, in_state, registered, state
from factories import as_user, make_complaint, make_staff_user
from frappe.model.workflow import WorkflowTransitionError

from hsq_app import roles as R
from hsq_app.complaints import workflow as wf
from hsq_app.complaints.doctype.hsq_complaint.hsq_complaint import FinalStateError, SelfApprovalError


def test_happy_path_to_closed(shared_world):
	w = shared_world
	name = in_state(w, wf.RESOLVED)
	doc = frappe.get_doc("HSQ Complaint", name)
	assert (
		doc.registered_by == w.a.officer and doc.handler == w.a.handler1 and doc.submitted_by == w.a.handler1
	)
	act(w.a.officer, name, "Close", complainant_feedback="Satisfied")
	assert state(name) == wf.CLOSED
	comments = frappe.get_all(
		"Comment", filters={"reference_name": name, "comment_type": "Workflow"}, pluck="content"
	)
	assert len(comments) == 6  # every transition is in the timeline


ROLE_USERS = ("officer", "leader", "head1", "handler1", "agent", "admin", "head2", "handler2")


def _user_for(w, key):
	return w.a[key]


CASES = [
	# (state, action, values, allowed user keys)
	(wf.REGISTERED, "Dispatch", {"department": None}, {"officer"}),
	(wf.REGISTERED, "Not Accept", {"non_acceptance_reason": "不属于医疗投诉"}, {"leader"}),
	(wf.DISPATCHED, "Accept", {}, {"head1", "handler1"}),
	(wf.DISPATCHED, "Return", {"return_reason": "不属本科室"}, {"head1"}),
	(wf.ACCEPTED, "Start", {}, {"head1", "handler1"}),
	(wf.IN_PROGRESS, "Submit for Approval", RESOLUTION, {"handler1"}),
	(wf.PENDING_APPROVAL, "Approve", {}, {"head1"}),
	(wf.PENDING_APPROVAL, "Reject", {}, {"head1", "leader"}),
	(wf.RESOLVED, "Close", {"complainant_feedback": "Satisfied"}, {"officer"}),
	(wf.RESOLVED, "Reopen", {"complainant_feedback": "Dissatisfied"}, {"officer"}),
]


@pytest.mark.parametrize("from_state,action,values,allowed", CASES, ids=[c[1] for c in CASES])
def test_each_transition_by_each_role(shared_world, from_state, action, values, allowed):
	w = shared_world
	for key in ROLE_USERS:
		name = in_state(w, from_state)
		vals = {k: (w.a.dept1 if k == "department" else v) for k, v in values.items()}
		if vals:
			frappe.db.set_value("HSQ Complaint", name, vals)
		user = _user_for(w, key)
		if key in allowed:
			act(user, name, action)
			expected = next(t for s, a, t, _r, _c in wf.TRANSITIONS if s == from_state and a == action)
			assert state(name) == expected, (key, action)
		else:
			with pytest.raises((WorkflowTransitionError, frappe.PermissionError, frappe.DoesNotExistError)):
				act(user, name, action)
			assert state(name) == from_state, (key, action)
	# bureau roles and hospital b cannot act either
	for user in (w.bureau_admin, w.inspector, w.b.officer, w.b.leader, w.b.head1, w.b.handler1):
		name = in_state(w, from_state)
		with pytest.raises((WorkflowTransitionError, frappe.PermissionError, frappe.DoesNotExistError)):
			act(user, name, action)


@pytest.mark.parametrize(
	"from_state,action,field",
	[
		(wf.REGISTERED, "Dispatch", "department"),
		(wf.REGISTERED, "Not Accept", "non_acceptance_reason"),
		(wf.DISPATCHED, "Return", "return_reason"),
		(wf.IN_PROGRESS, "Submit for Approval", "resolution"),
		(wf.RESOLVED, "Close", "complainant_feedback"),
	],
)
def test_actions_need_their_fields(shared_world, from_state, action, field):
	w = shared_world
	name = in_state(w, from_state)
	if action == "Submit for Approval":
		frappe.db.set_value("HSQ Complaint", name, {"finding": "Upheld", "reply_to_complainant": "已答复"})
	user = {
		"Dispatch": w.a.officer,
		"Not Accept": w.a.leader,
		"Return": w.a.head1,
		"Submit for Approval": w.a.handler1,
		"Close": w.a.officer,
	}[action]
	with pytest.raises(frappe.MandatoryError):
		act(user, name, action)
	assert state(name) == from_state


@pytest.mark.parametrize("severity,escalation", [("High", 0), ("Urgent", 0), ("Medium", 2)])
def test_severe_complaints_need_the_leader(shared_world, severity, escalation):
	w = shared_world
	name = in_state(w, wf.PENDING_APPROVAL, severity=severity)
	frappe.db.set_value("HSQ Complaint", name, "escalation_level", escalation)
	with pytest.raises(WorkflowTransitionError):
		act(w.a.head1, name, "Approve")
	act(w.a.leader, name, "Approve")
	assert state(name) == wf.RESOLVED


def test_leader_cannot_approve_ordinary_complaints(shared_world):
	w = shared_world
	name = in_state(w, wf.PENDING_APPROVAL)
	with pytest.raises(WorkflowTransitionError):
		act(w.a.leader, name, "Approve")


def test_nobody_approves_their_own_resolution(shared_world):
	w = shared_world
	both = make_staff_user(w.a.institution, R.DEPARTMENT_HEAD, R.HANDLER, department=w.a.dept1)
	name = in_state(w, wf.IN_PROGRESS)
	act(both, name, "Submit for Approval", **RESOLUTION)
	with pytest.raises(SelfApprovalError):
		act(both, name, "Approve")
	act(w.a.head1, name, "Approve")
	assert state(name) == wf.RESOLVED


def test_reopen_counts_and_keeps_history(shared_world):
	w = shared_world
	name = in_state(w, wf.RESOLVED)
	with pytest.raises(frappe.ValidationError, match="complainant is dissatisfied"):
		act(w.a.officer, name, "Reopen", complainant_feedback="Satisfied")
	act(w.a.officer, name, "Reopen", complainant_feedback="Dissatisfied")
	doc = frappe.get_doc("HSQ Complaint", name)
	assert doc.workflow_state == wf.IN_PROGRESS and doc.reopen_count == 1 and not doc.complainant_feedback
	assert frappe.db.exists("Comment", {"reference_name": name, "content": ("like", "%已批评教育当事护士%")})
	act(w.a.handler1, name, "Submit for Approval", **RESOLUTION)
	act(w.a.head1, name, "Approve")
	act(w.a.officer, name, "Close", complainant_feedback="Basically Satisfied")
	assert state(name) == wf.CLOSED
	# every transition of both rounds is in the timeline (Frappe skips Version rows under tests)
	workflow_comments = frappe.get_all(
		"Comment", filters={"reference_name": name, "comment_type": "Workflow"}
	)
	assert len(workflow_comments) == 9


@pytest.mark.parametrize("final", [wf.CLOSED, wf.NOT_ACCEPTED])
def test_final_complaints_are_read_only_and_undeletable(shared_world, final):
	w = shared_world
	if final == wf.CLOSED:
		name = in_state(w, wf.RESOLVED)
		act(w.a.officer, name, "Close", complainant_feedback="Satisfied")
	else:
		name = registered(w)
		act(w.a.leader, name, "Not Accept", non_acceptance_reason="重复投诉")
	assert state(name) == final
	for user in (w.a.officer, w.a.leader, "Administrator"):
		as_user(user)
		doc = frappe.get_doc("HSQ Complaint", name)
		doc.resolution = "改写"
		with pytest.raises((FinalStateError, frappe.PermissionError)):
			doc.save()
		with pytest.raises((frappe.ValidationError, frappe.PermissionError)):
			frappe.delete_doc("HSQ Complaint", name)
	frappe.set_user("Administrator")


def test_return_sends_back_to_registration(shared_world):
	w = shared_world
	name = in_state(w, wf.DISPATCHED)
	act(w.a.head1, name, "Return", return_reason="应由外科办理")
	assert state(name) == wf.REGISTERED
	act(w.a.officer, name, "Dispatch", department=w.a.dept2)
	assert state(name) == wf.DISPATCHED


def test_worklist_follows_the_complaint(shared_world):
	w = shared_world

	def open_todos(name):
		return set(
			frappe.get_all("ToDo", filters={"reference_name": name, "status": "Open"}, pluck="allocated_to")
		)

	name = registered(w)
	assert open_todos(name) == {w.a.officer}
	act(w.a.officer, name, "Dispatch", department=w.a.dept1)
	assert open_todos(name) == {w.a.head1}
	act(w.a.handler1, name, "Accept")
	assert open_todos(name) == {w.a.handler1}
	act(w.a.handler1, name, "Start")
	act(w.a.handler1, name, "Submit for Approval", **RESOLUTION)
	assert open_todos(name) == {w.a.head1}
	act(w.a.head1, name, "Approve")
	assert open_todos(name) == {w.a.officer}
	act(w.a.officer, name, "Close", complainant_feedback="Satisfied")
	assert open_todos(name) == set()


def test_dispatch_rejects_a_handler_of_another_department(shared_world):
	w = shared_world
	name = registered(w)
	with pytest.raises(frappe.ValidationError):
		act(w.a.officer, name, "Dispatch", department=w.a.dept1, handler=w.a.handler2)


def test_routing_rule_prefills_department_and_handler(shared_world):
	w = shared_world
	frappe.get_doc(
		{
			"doctype": "HSQ Routing Rule",
			"institution": w.a.institution,
			"category": "Fees",
			"department": w.a.dept2,
			"handler": w.a.handler2,
		}
	).insert()
	name = registered(w, category="Fees")
	doc = frappe.get_doc("HSQ Complaint", name)
	assert (doc.department, doc.handler) == (w.a.dept2, w.a.handler2)


def test_transfer_is_the_bureau_admins_and_keeps_history(shared_world):
	from hsq_app.complaints.routing import transfer

	w = shared_world
	name = in_state(w, wf.DISPATCHED)
	as_user(w.a.officer)
	with pytest.raises(frappe.PermissionError):
		transfer(name, w.b.institution, "属地错误")
	as_user(w.bureau_admin)
	with pytest.raises(frappe.ValidationError):
		transfer(name, w.b.institution, "  ")
	transfer(name, w.b.institution, "患者实际就诊于医院b")
	frappe.set_user("Administrator")
	doc = frappe.get_doc("HSQ Complaint", name)
	assert doc.institution == w.b.institution and doc.workflow_state == wf.REGISTERED and not doc.department
	assert doc.transfers[-1].from_institution == w.a.institution and doc.transfers[-1].reason
	as_user(w.a.officer)
	assert not frappe.has_permission("HSQ Complaint", "read", name)
	as_user(w.b.officer)
	assert frappe.has_permission("HSQ Complaint", "read", name)


def test_inspector_reads_but_never_edits(shared_world):
	w = shared_world
	name = registered(w)
	as_user(w.inspector)
	doc = frappe.get_doc("HSQ Complaint", name)
	doc.check_permission("read")
	assert not frappe.has_permission("HSQ Complaint", "write", name)
	doc.description = "督查员改写"
	with pytest.raises(frappe.PermissionError):
		doc.save()


def test_bureau_registered_complaint_lands_with_the_institutions_officers(shared_world):
	w = shared_world
	as_user(w.bureau_admin)
	doc = make_complaint(
		w.a.institution, channel="12345 Hotline", external_ref="GD-" + frappe.generate_hash(length=6)
	)
	frappe.set_user("Administrator")
	todos = set(
		frappe.get_all("ToDo", filters={"reference_name": doc.name, "status": "Open"}, pluck="allocated_to")
	)
	assert w.a.officer in todos and w.bureau_admin not in todos and w.b.officer not in todos
	act(w.a.officer, doc.name, "Dispatch", department=w.a.dept1)
	assert state(doc.name) == wf.DISPATCHED


def test_accountability_through_the_workflow(shared_world):
	"""Closing an upheld complaint against a staff member proposes the first sanction, once."""
	w = shared_world
	from factories import make_staff

	nurse = make_staff(w.a.institution, department=w.a.dept1, name="护士" + frappe.generate_hash(length=4))
	name = in_state(w, wf.RESOLVED, staff_involved=[{"staff": nurse}])
	act(w.a.officer, name, "Close", complainant_feedback="Satisfied")
	records = frappe.get_all(
		"HSQ Accountability Record", filters={"staff": nurse}, fields=["count", "status", "action"]
	)
	assert len(records) == 1 and records[0].count == 1 and records[0].status == "Proposed"

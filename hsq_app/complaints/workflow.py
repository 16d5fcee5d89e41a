"""The "HSQ Complaint Workflow" (contract: Complaint workflow), created idempotently on install/migrate.

The transition table is data (TRANSITIONS) so that the controller's per-action checks and the
tests read the same source. Admins may restyle states in the desk; `ensure_workflow` only adds
what is missing and resets the transition table to the contract's.
"""

import frappe

from hsq_app import roles as R
from hsq_app.utils.records import ensure_workflow_basics

WORKFLOW = "HSQ Complaint Workflow"
DOCTYPE = "HSQ Complaint"

REGISTERED = "Registered"
DISPATCHED = "Dispatched"
ACCEPTED = "Accepted"
IN_PROGRESS = "In Progress"
PENDING_APPROVAL = "Pending Approval"
RESOLVED = "Resolved"
CLOSED = "Closed"
NOT_ACCEPTED = "Not Accepted"

FINAL_STATES = (CLOSED, NOT_ACCEPTED)
OPEN_STATES = (REGISTERED, DISPATCHED, ACCEPTED, IN_PROGRESS, PENDING_APPROVAL)

# state -> (style, role allowed to edit in that state)
STATES = {
	REGISTERED: ("Primary", R.QUALITY_OFFICER),
	DISPATCHED: ("Info", R.DEPARTMENT_HEAD),
	ACCEPTED: ("Info", R.HANDLER),
	IN_PROGRESS: ("Warning", R.HANDLER),
	PENDING_APPROVAL: ("Warning", R.DEPARTMENT_HEAD),
	RESOLVED: ("Success", R.QUALITY_OFFICER),
	CLOSED: ("Success", R.QUALITY_OFFICER),
	NOT_ACCEPTED: ("Inverse", R.INSTITUTION_LEADER),
}

LEADER_SEVERITIES = ("High", "Urgent")
LEADER_ESCALATION_LEVEL = 2


def needs_leader_approval(doc) -> bool:
	"""Only the institution leader approves a complaint that is, or ever was, High or Urgent, or
	that has been escalated to the deputy head or above. ``SEVERE`` is this rule as the workflow's
	condition string (the same rule, written once)."""
	severities = {doc.get("severity"), doc.get("highest_severity")}
	return (
		bool(severities & set(LEADER_SEVERITIES))
		or (doc.get("escalation_level") or 0) >= LEADER_ESCALATION_LEVEL
	)


SEVERE = (
	f"doc.severity in {LEADER_SEVERITIES} or doc.highest_severity in {LEADER_SEVERITIES}"
	f" or (doc.escalation_level or 0) >= {LEADER_ESCALATION_LEVEL}"
)
NOT_SEVERE = f"not ({SEVERE})"

# (from, action, to, roles, condition)
TRANSITIONS = [
	(REGISTERED, "Dispatch", DISPATCHED, (R.QUALITY_OFFICER,), None),
	(REGISTERED, "Not Accept", NOT_ACCEPTED, (R.INSTITUTION_LEADER,), None),
	(DISPATCHED, "Accept", ACCEPTED, (R.DEPARTMENT_HEAD, R.HANDLER), None),
	(DISPATCHED, "Return", REGISTERED, (R.DEPARTMENT_HEAD,), None),
	(ACCEPTED, "Start", IN_PROGRESS, (R.HANDLER, R.DEPARTMENT_HEAD), None),
	(IN_PROGRESS, "Submit for Approval", PENDING_APPROVAL, (R.HANDLER,), None),
	(PENDING_APPROVAL, "Approve", RESOLVED, (R.DEPARTMENT_HEAD,), NOT_SEVERE),
	(PENDING_APPROVAL, "Approve", RESOLVED, (R.INSTITUTION_LEADER,), SEVERE),
	(PENDING_APPROVAL, "Reject", IN_PROGRESS, (R.DEPARTMENT_HEAD, R.INSTITUTION_LEADER), None),
	(RESOLVED, "Close", CLOSED, (R.QUALITY_OFFICER,), None),
	(RESOLVED, "Reopen", IN_PROGRESS, (R.QUALITY_OFFICER,), None),
]

# action -> (fields it needs before it may happen, fields that may be filled with it)
ACTION_FIELDS = {
	"Dispatch": (("department",), ("handler",)),
	"Not Accept": (("non_acceptance_reason",), ()),
	"Accept": ((), ("handler",)),
	"Return": (("return_reason",), ()),
	"Submit for Approval": (("finding", "resolution", "reply_to_complainant"), ()),
	"Close": (("complainant_feedback",), ()),
	"Reopen": (("complainant_feedback",), ()),
}
# action -> fields the form's dialog always shows, prefilled, for the actor to confirm or choose
# (受理: the head chooses the handler, or confirms the routing rule's proposal)
CHOOSE = {"Accept": ("handler",)}
REQUIRED = {action: required for action, (required, _optional) in ACTION_FIELDS.items()}


def fields_of(action: str) -> tuple[str, ...]:
	"""Every field the form's dialog may fill together with ``action``."""
	required, optional = ACTION_FIELDS.get(action, ((), ()))
	return (*required, *optional)


ACTION_BY_MOVE = {(src, dst): action for src, action, dst, _roles, _cond in TRANSITIONS}


def ensure_workflow():
	ensure_workflow_basics(
		{state: style for state, (style, _role) in STATES.items()},
		(a for _s, a, _t, _r, _c in TRANSITIONS),
	)
	wf = (
		frappe.get_doc("Workflow", WORKFLOW)
		if frappe.db.exists("Workflow", WORKFLOW)
		else frappe.new_doc("Workflow")
	)
	wf.update(
		{
			"workflow_name": WORKFLOW,
			"document_type": DOCTYPE,
			"workflow_state_field": "workflow_state",
			"is_active": 1,
			"send_email_alert": 0,
			"override_status": 1,
		}
	)
	if not wf.states:
		for state, (_style, role) in STATES.items():
			wf.append("states", {"state": state, "doc_status": "0", "allow_edit": role})
	wf.set("transitions", [])
	for src, action, dst, roles, condition in TRANSITIONS:
		for role in roles:
			wf.append(
				"transitions",
				{
					"state": src,
					"action": action,
					"next_state": dst,
					"allowed": role,
					"allow_self_approval": 1,  # "no self-approval" is the controller's (submitted_by)
					"condition": condition,
				},
			)
	wf.flags.ignore_permissions = True
	wf.save() if not wf.is_new() else wf.insert()

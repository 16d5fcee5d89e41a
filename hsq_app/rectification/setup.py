"""Rectification defaults, created idempotently on install, migrate and before tests.

* the Frappe Workflow "HSQ Rectification Workflow" with its states and actions. Its transitions
  carry the sign-off rules (who may Verify), so they are re-asserted on every migrate: a desk
  edit to the transitions is put back. States and actions that already exist are left alone;
* the accountability ladders of the county plan (HSQ Accountability Rule), created when
  missing and never overwritten, so the bureau can edit their wording or disable them;
* the kanban board of tasks by PDCA stage.

Who presses which button (the task controller, HSQRectificationTask, adds what each
transition needs):

* **Start** and **Submit**: the institution's Quality Officer or Institution Leader, or a
  Department Head for tasks of their own department or that they lead. Handlers (measure owners)
  tick their measures but do not move the task. Institution isolation comes from User Permissions.
* **Verify** and **Return**: the Bureau Inspector for tasks the bureau raised (or the scheduler
  proposed); the Institution Leader for tasks the institution raised itself
  (``raised_by_institution``, set when an institution user creates the task and fixed after).
  The inspector's write permission on the DocType exists for this; the controller lets an inspector
  change nothing but the return reason and the effect evaluation.
"""

import frappe

from hsq_app import roles as R
from hsq_app.hsq_setup.departments import head_condition
from hsq_app.rectification.tasks import CLOSED, IN_PROGRESS, OPEN, PENDING, TASK
from hsq_app.utils.records import ensure, ensure_workflow_basics

WORKFLOW = "HSQ Rectification Workflow"
KANBAN = "整改PDCA看板"

STATE_STYLES = {OPEN: "Danger", IN_PROGRESS: "Primary", PENDING: "Warning", CLOSED: "Success"}
ACTIONS = ("Start", "Submit", "Verify", "Return")

# who may edit the form in each state (the controller narrows it further)
EDITORS = {
	OPEN: (R.QUALITY_OFFICER, R.INSTITUTION_LEADER, R.DEPARTMENT_HEAD, R.HANDLER, R.BUREAU_ADMIN),
	IN_PROGRESS: (R.QUALITY_OFFICER, R.INSTITUTION_LEADER, R.DEPARTMENT_HEAD, R.HANDLER, R.BUREAU_ADMIN),
	PENDING: (R.BUREAU_INSPECTOR, R.INSTITUTION_LEADER),
	CLOSED: ("System Manager",),
}

# a department head works only on tasks of their own department (hsq_setup.departments) or that they lead
HEAD_CONDITION = (
	f"doc.responsible_leader == frappe.session.user or ({head_condition('doc.responsible_department')})"
)
BUREAU_TASK = "not doc.raised_by_institution"
INSTITUTION_TASK = "doc.raised_by_institution"

# (from, action, to, role, condition)
TRANSITIONS = [
	*[
		(frm, action, to, role, cond)
		for frm, action, to in ((OPEN, "Start", IN_PROGRESS), (IN_PROGRESS, "Submit", PENDING))
		for role, cond in (
			(R.QUALITY_OFFICER, None),
			(R.INSTITUTION_LEADER, None),
			(R.DEPARTMENT_HEAD, HEAD_CONDITION),
		)
	],
	(PENDING, "Verify", CLOSED, R.BUREAU_INSPECTOR, BUREAU_TASK),
	(PENDING, "Verify", CLOSED, R.INSTITUTION_LEADER, INSTITUTION_TASK),
	(PENDING, "Return", IN_PROGRESS, R.BUREAU_INSPECTOR, BUREAU_TASK),
	(PENDING, "Return", IN_PROGRESS, R.INSTITUTION_LEADER, INSTITUTION_TASK),
]

# (subject_type, category, threshold, action): the county plan's ladders
DEFAULT_RULES = [
	("Staff", None, 1, "全县通报批评"),
	("Staff", None, 2, "当年不得评优评先、五年内不得晋升职称"),
	("Staff", None, 3, "停薪留职一年"),
	("Institution", "Service Attitude", 1, "约谈分管负责人"),
	("Institution", "Service Attitude", 2, "约谈主要负责人"),
	("Institution", "Service Attitude", 3, "全县通报批评并提交局党组"),
]


def install_defaults():
	ensure_workflow()
	ensure_default_rules()
	ensure_kanban()
	ensure_indexes()


def ensure_indexes():
	"""The daily cluster job groups complaints by department and category over a date range."""
	frappe.db.add_index("HSQ Complaint", ["department", "category", "received_at"], "hsq_cluster_index")


def ensure_workflow():
	ensure_workflow_basics(STATE_STYLES, ACTIONS)
	states = [
		{"state": state, "doc_status": "0", "allow_edit": role}
		for state, roles in EDITORS.items()
		for role in roles
	]
	transitions = [
		{
			"state": frm,
			"action": action,
			"next_state": to,
			"allowed": role,
			"allow_self_approval": 1,  # who may sign off is decided by roles, conditions and the controller
			"condition": cond,
		}
		for frm, action, to, role, cond in TRANSITIONS
	]
	if frappe.db.exists("Workflow", WORKFLOW):
		wf = frappe.get_doc("Workflow", WORKFLOW)
		if _rows(wf.states, ("state", "allow_edit")) == _rows(states, ("state", "allow_edit")) and _rows(
			wf.transitions, ("state", "action", "next_state", "allowed", "condition")
		) == _rows(transitions, ("state", "action", "next_state", "allowed", "condition")):
			return
		wf.set("states", states)
		wf.set("transitions", transitions)
	else:
		wf = frappe.new_doc("Workflow")
		wf.update(
			{
				"workflow_name": WORKFLOW,
				"document_type": TASK,
				"workflow_state_field": "workflow_state",
				"is_active": 1,
				"send_email_alert": 0,
				"states": states,
				"transitions": transitions,
			}
		)
	wf.save(ignore_permissions=True)


def _rows(rows, keys) -> list[tuple]:
	return [tuple((r.get(k) or "") for k in keys) for r in rows]


def ensure_default_rules():
	from hsq_app.rectification.doctype.hsq_accountability_rule.hsq_accountability_rule import rule_name

	for subject_type, category, threshold, action in DEFAULT_RULES:
		ensure(
			"HSQ Accountability Rule",
			rule_name(subject_type, category, threshold),
			{
				"subject_type": subject_type,
				"category": category,
				"threshold": threshold,
				"action": action,
				"enabled": 1,
			},
		)


def ensure_kanban():
	if frappe.db.exists("Kanban Board", KANBAN):
		return
	frappe.get_doc(
		{
			"doctype": "Kanban Board",
			"kanban_board_name": KANBAN,
			"reference_doctype": TASK,
			"field_name": "pdca_stage",
			"private": 0,
			"show_labels": 1,
			"fields": frappe.as_json(["institution", "responsible_department", "deadline", "workflow_state"]),
			"columns": [
				{"column_name": stage, "status": "Active", "indicator": color}
				for stage, color in (("Plan", "Gray"), ("Do", "Blue"), ("Check", "Orange"), ("Act", "Green"))
			],
		}
	).insert(ignore_permissions=True)

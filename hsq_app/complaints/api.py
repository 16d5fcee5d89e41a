"""Desk endpoints for complaint work."""

import json

import frappe
from frappe import _
from frappe.model.workflow import get_transitions

from hsq_app.complaints import workflow as wf


@frappe.whitelist(methods=["POST"])
def apply_action(complaint: str, action: str, values: str | dict | None = None):
	"""Fill the fields an action needs and apply it, in one save (one version, one transaction).

	Frappe's own checks run as for ``apply_workflow``: the user's roles must allow the
	transition from the current state and the user needs write permission on the complaint.
	"""
	values = json.loads(values) if isinstance(values, str) else (values or {})
	doc = frappe.get_doc("HSQ Complaint", complaint)
	doc.check_permission("write")
	transition = next((t for t in get_transitions(doc) if t.action == action), None)
	if not transition:
		frappe.throw(_("Not a valid Workflow Action"), frappe.model.workflow.WorkflowTransitionError)
	unknown = set(values) - set(wf.fields_of(action))
	if unknown:
		frappe.throw(_("Action {0} does not take {1}").format(_(action), ", ".join(sorted(unknown))))
	doc.update(values)
	doc.workflow_state = transition.next_state
	doc.save()
	doc.add_comment("Workflow", _(transition.next_state))
	return {"name": doc.name, "workflow_state": doc.workflow_state}

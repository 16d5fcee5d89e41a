"""Desk endpoints for complaint work."""

import json

import frappe
from frappe import _
from frappe.model.workflow import get_transitions

from hsq_app.complaints import routing
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


@frappe.whitelist()
def get_handler_choices(complaint: str) -> dict:
	"""Who may handle a complaint (受理 asks the head to choose): active staff of its department
	with the handler role, and the routing rule's proposal. Only for those who may read it."""
	from hsq_app import roles as R

	doc = frappe.get_doc("HSQ Complaint", complaint)
	doc.check_permission("read")
	if not doc.department:
		return {"choices": [], "proposed": doc.handler}
	staff = frappe.get_all(
		"HSQ Staff",
		filters={
			"institution": doc.institution,
			"department": doc.department,
			"status": "Active",
			"user": ("is", "set"),
		},
		fields=["user", "staff_name"],
		order_by="staff_name asc",
	)
	handlers = set(
		frappe.get_all(
			"Has Role",
			filters={
				"parent": ("in", [s.user for s in staff] or [""]),
				"role": R.HANDLER,
				"parenttype": "User",
			},
			pluck="parent",
		)
	)
	proposed = doc.handler or (routing.routing_rule(doc.institution, doc.category) or {}).get("handler")
	choices = [{"value": s.user, "label": s.staff_name or s.user} for s in staff if s.user in handlers]
	return {"choices": choices, "proposed": proposed if proposed in handlers else None}


@frappe.whitelist()
def search_by_phone_or_code(text: str) -> list[str]:
	"""The list's quick search for officers (issue 13): complaints whose complainant phone or
	tracking code is ``text``, among those the caller may read. The phone is matched through its
	keyed hash (``phone_key``), never by a pattern on the number."""
	from hsq_app import roles as R
	from hsq_app.complaints.repeats import phone_key
	from hsq_app.permissions import require_role

	require_role(R.QUALITY_OFFICER, R.BUREAU_ADMIN)
	text = (text or "").strip()[:40]
	if not text:
		return []
	key = phone_key(text)
	either = {"tracking_code": text.upper(), **({"phone_key": key} if key else {})}
	return frappe.get_list(
		"HSQ Complaint", or_filters=either, pluck="name", limit=50, order_by="creation desc"
	)

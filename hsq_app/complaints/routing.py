"""属地 routing: routing rules, worklist assignment (ToDo) and transfers between institutions."""

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import getdate, now_datetime

from hsq_app import roles as R
from hsq_app.complaints import workflow as wf
from hsq_app.hsq_setup.departments import first_head
from hsq_app.permissions import require_role
from hsq_app.utils import cached


def apply_routing_rule(doc) -> None:
	"""Prefill department and handler from the institution's category → department map."""
	if doc.department or not (doc.institution and doc.category):
		return
	rule = routing_rule(doc.institution, doc.category)
	if rule:
		doc.department = rule["department"]
		doc.handler = doc.handler or rule["handler"]


ROUTING_RULES = "hsq_routing_rules"


def routing_rule(institution: str, category: str) -> dict | None:
	"""The institution's rule for a category, {department, handler} (cached: asked on every
	complaint's insert; HSQ Routing Rule forgets them when a rule is saved or deleted)."""
	value = cached.lookup(
		ROUTING_RULES,
		f"{institution}\x1f{category}",
		lambda: frappe.as_json(
			frappe.db.get_value(
				"HSQ Routing Rule",
				{"institution": institution, "category": category},
				["department", "handler"],
				as_dict=True,
			)
			or {}
		),
	)
	return frappe.parse_json(value) if value and value != "{}" else None


class HandlerError(frappe.ValidationError):
	pass


def validate_handler(doc) -> None:
	"""A handler must be active staff of the complaint's institution, and of its department when
	it has one (a complaint is never assigned, nor shared, outside its 属地 chain)."""
	filters = {"user": doc.handler, "institution": doc.institution, "status": "Active"}
	if doc.department:
		filters["department"] = doc.department
	if not frappe.db.exists("HSQ Staff", filters):
		frappe.throw(
			_("Handler {0} is not active staff of {1}").format(
				doc.handler, doc.department or doc.institution
			),
			HandlerError,
		)


def quality_officers(doc) -> list[str]:
	"""首诉负责: the registering quality officer if they work in the complaint's institution, else its
	quality officers.

	A complaint registered at the bureau (12345, 信访), on the public page or from a follow-up call
	(by an agent, who has no action on it) lands in the worklists of the institution's quality
	officers.
	"""
	if (
		doc.registered_by
		and R.QUALITY_OFFICER in frappe.get_roles(doc.registered_by)
		and frappe.db.exists(
			"HSQ Staff", {"user": doc.registered_by, "institution": doc.institution, "status": "Active"}
		)
	):
		return [doc.registered_by]
	staff_users = frappe.get_all(
		"HSQ Staff",
		filters={"institution": doc.institution, "status": "Active", "user": ("is", "set")},
		pluck="user",
	)
	return frappe.get_all(
		"Has Role",
		filters={"parent": ("in", staff_users or [""]), "role": R.QUALITY_OFFICER, "parenttype": "User"},
		pluck="parent",
		distinct=True,
	)


def current_actors(doc) -> list[str]:
	"""Who has the complaint in their worklist in its current state."""
	state = doc.workflow_state
	head = first_head(doc.department)
	if state in (wf.REGISTERED, wf.RESOLVED):
		return quality_officers(doc)
	if state == wf.DISPATCHED:
		return [u for u in (head, doc.handler) if u]
	if state in (wf.ACCEPTED, wf.IN_PROGRESS):
		return [doc.handler or head] if (doc.handler or head) else []
	if state == wf.PENDING_APPROVAL:
		if wf.needs_leader_approval(doc):
			leader = frappe.db.get_value("HSQ Institution", doc.institution, "deputy_head")
			return [leader] if leader else []
		return [head] if head else []
	return []


def reassign(doc) -> None:
	"""Keep the complaint's open ToDos on exactly the people who must act now."""
	wanted = set(current_actors(doc))
	open_todos = frappe.get_all(
		"ToDo",
		filters={"reference_type": doc.doctype, "reference_name": doc.name, "status": "Open"},
		pluck="allocated_to",
	)
	for user in set(open_todos) - wanted:
		assign_to.remove(doc.doctype, doc.name, user, ignore_permissions=True)
	new = [u for u in wanted - set(open_todos) if frappe.db.get_value("User", u, "enabled")]
	if new:
		todo = {
			"assign_to": new,
			"doctype": doc.doctype,
			"name": doc.name,
			"description": _("Complaint {0}: {1}").format(doc.name, _(doc.workflow_state)),
		}
		if doc.resolve_by:
			todo["date"] = getdate(doc.resolve_by)  # 我的待办 by deadline
		assign_to.add(todo, ignore_permissions=True)


@frappe.whitelist(methods=["POST"])
def transfer(complaint: str, to_institution: str, reason: str):
	"""Move a complaint to another institution (bureau admins only), keeping its history."""
	require_role(R.BUREAU_ADMIN)
	if not (reason or "").strip():
		frappe.throw(_("A transfer needs a reason"))
	doc = frappe.get_doc("HSQ Complaint", complaint)
	doc.check_permission("write")
	if doc.workflow_state in wf.FINAL_STATES:
		frappe.throw(
			_("Complaint {0} is {1} and can no longer be transferred").format(doc.name, _(doc.workflow_state))
		)
	if to_institution == doc.institution:
		frappe.throw(_("The complaint already belongs to {0}").format(to_institution))
	if not frappe.db.exists("HSQ Institution", to_institution):
		frappe.throw(_("Institution {0} does not exist").format(to_institution))
	doc.append(
		"transfers",
		{
			"from_institution": doc.institution,
			"to_institution": to_institution,
			"reason": reason.strip(),
			"transferred_by": frappe.session.user,
			"transferred_at": now_datetime(),
		},
	)
	doc.institution = to_institution
	doc.department = None
	doc.handler = None
	doc.flags.hsq_system = True  # the transfer history is written here (field_policy)
	if doc.workflow_state != wf.REGISTERED:
		# routed anew from the start in the receiving institution (bureau admins may move the state)
		doc.db_set("workflow_state", wf.REGISTERED, update_modified=False)
		doc.workflow_state = wf.REGISTERED
	doc.save()
	doc.add_comment("Info", _("Transferred to {0}: {1}").format(to_institution, reason.strip()))
	return doc.name

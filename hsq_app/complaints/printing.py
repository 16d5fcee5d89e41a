"""What the "Complaint Handling Record" print format (投诉处理登记表/办结单) needs beyond the document.

The signatures of the form (who registered, dispatched, accepted, submitted, approved and closed,
and when) come from the complaint's workflow comments, read as moves by
:func:`hsq_app.complaints.audit.transitions` (which tells Start, Reject and Reopen apart although
all three lead to In Progress).
"""

from __future__ import annotations

import frappe

from hsq_app.complaints.audit import DOCTYPE, transitions


def _full_name(user: str | None) -> str:
	if not user:
		return ""
	if user in ("Guest", "Administrator"):
		return frappe._(user, "zh")
	return frappe.db.get_value("User", user, "full_name") or user


def handling_steps(complaint: str) -> dict:
	"""{action: {"by", "by_name", "at"}} of the latest occurrence of each workflow action.

	Jinja method (hooks.jinja): ``{% set steps = handling_steps(doc.name) %}``. Empty for a user
	who may not read the complaint.
	"""
	if not complaint or not frappe.db.exists(DOCTYPE, complaint):
		return {}
	doc = frappe.get_doc(DOCTYPE, complaint)
	if not frappe.has_permission(DOCTYPE, "read", doc):
		return {}
	steps = {}
	for move in transitions(doc):
		if move["action"]:
			by = move["by"]
			steps[move["action"]] = {"by": by, "by_name": _full_name(by), "at": move["at"]}
	return steps

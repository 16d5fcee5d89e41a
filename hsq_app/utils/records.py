"""Default records the app ships, created once on install and migrate and editable afterwards in
the desk: a record that exists (perhaps edited by an admin) is never touched again."""

from __future__ import annotations

from collections.abc import Iterable

import frappe


def ensure(doctype: str, name: str, values: dict) -> bool:
	"""Create ``doctype`` ``name`` from ``values`` unless it exists; True when it was created."""
	if frappe.db.exists(doctype, name):
		return False
	frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=True)
	return True


def ensure_workflow_basics(state_styles: dict[str, str], actions: Iterable[str]) -> None:
	"""The Workflow States (with their indicator styles) and Workflow Action Masters a workflow uses."""
	for state, style in state_styles.items():
		ensure("Workflow State", state, {"workflow_state_name": state, "style": style})
	for action in dict.fromkeys(actions):
		ensure("Workflow Action Master", action, {"workflow_action_name": action})

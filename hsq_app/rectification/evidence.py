"""Evidence files of rectification tasks: once a task is closed its evidence is frozen."""

import frappe
from frappe import _

from hsq_app.rectification.tasks import CLOSED, TASK, ClosedTaskError


def before_file_change(doc, method=None):
	"""File before_insert / on_trash: no attaching to or removing from a closed task."""
	if doc.attached_to_doctype != TASK or not doc.attached_to_name:
		return
	if frappe.db.get_value(TASK, doc.attached_to_name, "workflow_state") == CLOSED:
		frappe.throw(_("The evidence of a closed rectification task cannot change"), ClosedTaskError)

"""Desk endpoints of the rectification module."""

import frappe
from frappe import _

from hsq_app.rectification.tasks import TASK

SOURCE_DOCTYPES = {"Complaint": "HSQ Complaint", "Spot Check": "HSQ Spot Check"}
TASK_FIELDS = [
	"name",
	"problem",
	"workflow_state",
	"pdca_stage",
	"deadline",
	"is_overdue",
	"responsible_leader",
]


@frappe.whitelist()
def tasks_for(source_type: str, source_name: str) -> list[dict]:
	"""Rectification tasks raised from a source document, or listing the complaint among theirs.

	The link back from a complaint (or spot check) to its tasks; only tasks the user may read.
	"""
	if not source_type or not source_name:
		frappe.throw(_("Source type and source are required"))
	doctype = SOURCE_DOCTYPES.get(source_type)
	if doctype and frappe.db.table_exists(doctype):
		if not frappe.db.exists(doctype, source_name):
			frappe.throw(
				_("{0} {1} does not exist").format(_(doctype), source_name), frappe.DoesNotExistError
			)
		frappe.has_permission(doctype, "read", source_name, throw=True)
	if not frappe.has_permission(TASK, "read"):
		return []  # a role without the ledger (the follow-up agent) sees no panel, and no error
	tasks = {
		t.name: t
		for t in frappe.get_list(
			TASK,
			filters={"source_type": source_type, "source_name": source_name},
			fields=TASK_FIELDS,
		)
	}
	if source_type == "Complaint":
		for t in frappe.get_list(
			TASK,
			filters=[["HSQ Rectification Complaint", "complaint", "=", source_name]],
			fields=TASK_FIELDS,
			distinct=True,
		):
			tasks.setdefault(t.name, t)
	return sorted(tasks.values(), key=lambda t: t.name)

"""The daily job that flags rectification tasks past their deadline (set-based) and tells each
responsible leader once a day."""

import frappe
from frappe import _
from frappe.utils import getdate

from hsq_app.rectification.tasks import CLOSED, TASK, notify, now


def flag_overdue_tasks(today=None) -> dict:
	"""Flag open tasks past their deadline (set-based) and tell each responsible leader once a day."""
	today = getdate(today or now())
	T = frappe.qb.DocType(TASK)
	is_open = T.workflow_state.isnull() | (T.workflow_state != CLOSED)
	frappe.qb.update(T).set(T.is_overdue, 1).where(is_open & (T.deadline < today) & (T.is_overdue == 0)).run()
	frappe.qb.update(T).set(T.is_overdue, 0).where(
		is_open & (T.deadline >= today) & (T.is_overdue == 1)
	).run()

	due = (
		frappe.qb.from_(T)
		.select(T.name, T.responsible_leader, T.deadline, T.problem)
		.where(is_open & (T.is_overdue == 1))
		.where(T.responsible_leader.isnotnull() & (T.responsible_leader != ""))
		.where(T.overdue_notified_on.isnull() | (T.overdue_notified_on < today))
		.run(as_dict=True)
	)
	for task in due:
		notify(
			task.responsible_leader,
			task.name,
			_("Rectification task {0} is past its deadline {1}").format(task.name, task.deadline),
		)
	if due:
		frappe.qb.update(T).set(T.overdue_notified_on, today).where(T.name.isin([t.name for t in due])).run()
	return {"notified": len(due)}

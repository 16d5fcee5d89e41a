"""Desk notifications (the bell): the one writer of the app's Notification Log rows."""

from __future__ import annotations

import frappe

from hsq_app.utils.bulk import insert_records


def bell(
	user: str | None,
	subject: str,
	doctype: str | None = None,
	name: str | None = None,
	message: str | None = None,
) -> None:
	"""One alert for ``user`` about a document (nothing without a user); ``message`` is its body."""
	if not user:
		return
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"from_user": frappe.session.user,
			"type": "Alert",
			"document_type": doctype,
			"document_name": name,
			"subject": subject,
			"email_content": message,
		}
	).insert(ignore_permissions=True)


def bells(alerts: list[tuple], now) -> int:
	"""Many alerts in one set-based write, for jobs: ``alerts`` are (user, subject, doctype, name,
	link). Marks each recipient's bell unseen and tells their open desks after commit."""
	from frappe.desk.doctype.notification_log.notification_log import set_notifications_as_unseen

	rows = [
		{
			"subject": subject,
			"for_user": user,
			"type": "Alert",
			"document_type": doctype,
			"document_name": name,
			"from_user": "Administrator",
			"link": link,
			"read": 0,
		}
		for user, subject, doctype, name, link in alerts
	]
	insert_records("Notification Log", rows, now)
	for user in dict.fromkeys(a[0] for a in alerts):
		set_notifications_as_unseen(user)
		frappe.publish_realtime("notification", after_commit=True, user=user)
	return len(rows)

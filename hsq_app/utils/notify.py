"""Desk notifications (the bell): the one writer of the app's Notification Log rows."""

from __future__ import annotations

import frappe

from hsq_app.utils.bulk import insert_rows

BULK_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"subject",
	"for_user",
	"type",
	"document_type",
	"document_name",
	"from_user",
	"link",
	"read",
)


def bell(user: str | None, subject: str, doctype: str | None = None, name: str | None = None) -> None:
	"""One alert for ``user`` about a document (nothing without a user)."""
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
		}
	).insert(ignore_permissions=True)


def bells(alerts: list[tuple], now) -> int:
	"""Many alerts in one set-based write, for jobs: ``alerts`` are (user, subject, doctype, name,
	link). Marks each recipient's bell unseen and tells their open desks after commit."""
	from frappe.desk.doctype.notification_log.notification_log import set_notifications_as_unseen

	rows = [
		(
			frappe.generate_hash(length=12),
			now,
			now,
			"Administrator",
			"Administrator",
			subject,
			user,
			"Alert",
			doctype,
			name,
			"Administrator",
			link,
			0,
		)
		for user, subject, doctype, name, link in alerts
	]
	insert_rows("Notification Log", BULK_FIELDS, rows)
	for user in dict.fromkeys(a[0] for a in alerts):
		set_notifications_as_unseen(user)
		frappe.publish_realtime("notification", after_commit=True, user=user)
	return len(rows)

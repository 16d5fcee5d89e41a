"""Who hears of an escalation and how: the 属地 chain's recipient per level, bell notifications
(one per complaint, or one digest for a recipient with many) and digest emails (background job)."""

from __future__ import annotations

import datetime as dt

import frappe
from frappe import _
from frappe.utils import get_url_to_form, get_url_to_report

from hsq_app import roles as R
from hsq_app.utils.notify import bells

# a recipient with more new escalations than this in one sweep gets one digest notification
DIGEST_OVER = 20
BOARD_ROUTE = "/app/query-report/SLA Overdue Board"


class Recipients:
	"""Who is notified at each level, through the 属地 chain (read once per sweep)."""

	def __init__(self):
		self._heads = self._institutions = self._bureau = None

	def of(self, notify: str, row) -> list[str]:
		users = []
		if notify == "Department Head":
			users = self.heads().get(row.department, [])[:1]  # the head the department names, else its first
		elif notify in ("Deputy Head", "Principal Head"):
			inst = self.institutions().get(row.institution) or {}
			users = [inst.get("deputy_head" if notify == "Deputy Head" else "principal_head")]
		elif notify == "Bureau":
			users = self.bureau()
		users = [u for u in users if u]
		# nobody at that level: whoever registered the complaint (首诉负责) must know
		return users or ([row.registered_by] if row.get("registered_by") else [])

	def table_rows(self) -> list[tuple]:
		"""What :meth:`of` answers, as rows (notify, key, position, user, the users joined) for the
		sweep's set-based writes: keyed by department for Department Head, by institution for the
		leaders, '' for Bureau. Only levels somebody hears of; the rest fall back to the registrar."""
		rows = []

		def add(notify: str, key: str, users: list) -> None:
			users = [u for u in users if u]
			rows.extend((notify, key, pos, user, ", ".join(users)) for pos, user in enumerate(users))

		for department, users in self.heads().items():
			add("Department Head", department, users[:1])
		for name, inst in self.institutions().items():
			add("Deputy Head", name, [inst.get("deputy_head")])
			add("Principal Head", name, [inst.get("principal_head")])
		add("Bureau", "", self.bureau())
		return rows

	def heads(self) -> dict:
		if self._heads is None:
			from hsq_app.hsq_setup.departments import department_heads

			self._heads = department_heads()
		return self._heads

	def institutions(self) -> dict:
		if self._institutions is None:
			rows = frappe.get_all("HSQ Institution", fields=["name", "deputy_head", "principal_head"])
			self._institutions = {r.name: r for r in rows}
		return self._institutions

	def bureau(self) -> list[str]:
		if self._bureau is None:
			from frappe.utils.user import get_users_with_role

			self._bureau = sorted(get_users_with_role(R.BUREAU_ADMIN))
		return self._bureau


def notify(digests: dict, now: dt.datetime) -> int:
	"""Bell notifications: one per complaint for a recipient with a few, else one digest."""
	alerts = []
	for user, digest in digests.items():
		if digest["count"] <= DIGEST_OVER:
			for complaint, level, notify in digest["items"]:
				subject = _("Complaint {0} is overdue: escalated to you ({1}, level {2})").format(
					complaint, _(notify), level
				)
				alerts.append((user, subject, "HSQ Complaint", complaint, None))
		else:
			subject = _("{0} overdue complaints were escalated to you").format(digest["count"])
			alerts.append((user, subject, None, None, BOARD_ROUTE))
	return bells(alerts, now)


def send_escalation_emails(digests: dict) -> int:
	"""One digest email (Email Queue) per recipient of a sweep's escalations (background job)."""
	from frappe.email.doctype.email_account.email_account import EmailAccount

	account = EmailAccount.find_outgoing()
	if not (account and account.get("email_id")):  # no outgoing account (yet): bell notifications only
		return 0
	board = get_url_to_report("SLA Overdue Board", "Script Report", "HSQ Complaint")
	return sum(_email(user, digest["count"], digest["items"], board) for user, digest in digests.items())


def _email(user: str, count: int, items: list, board: str) -> int:
	"""Queue one digest email for a recipient who wants email notifications."""
	from frappe.desk.doctype.notification_settings.notification_settings import (
		is_email_notifications_enabled,
	)

	email = frappe.db.get_value("User", user, "email") if user not in ("Administrator", "Guest") else None
	if not email or not is_email_notifications_enabled(user):
		return 0
	try:
		frappe.sendmail(
			recipients=[email],
			subject=_("{0} overdue complaints escalated to you").format(count),
			message=_digest_html(count, items, board),
			delayed=True,
		)
	except frappe.InvalidEmailAddressError:
		frappe.log_error(title=_("SLA escalation email not queued"))
		return 0
	return 1


def _digest_html(count, items, board_url) -> str:
	lines = []
	for complaint, level, notify in items:
		link = get_url_to_form("HSQ Complaint", complaint)
		label = _("level {0} ({1})").format(level, _(notify))
		lines.append(f'<li><a href="{link}">{frappe.utils.escape_html(complaint)}</a> — {label}</li>')
	more = _("and {0} more").format(count - len(items)) if count > len(items) else ""
	return "<p>{}</p><ul>{}</ul><p>{}</p><p><a href='{}'>{}</a></p>".format(
		_("These complaints are past their resolution deadline and were escalated to you:"),
		"".join(lines),
		more,
		board_url,
		_("Open the SLA overdue board"),
	)

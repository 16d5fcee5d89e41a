"""Text messages (短信) for any part of the app: templates, a send log, opt-out, background sending
with retries.

    from hsq_app.messaging.sms import send_sms
    send_sms("Survey Invitation", "13800138000", {"link": url}, "HSQ Survey Invitation", name,
             institution=inst)

``send_sms`` renders the template now, writes an **HSQ SMS Log** row (Queued, or Opted Out when the
receiver asked for no more messages) and enqueues its delivery after the transaction commits.
Delivery goes through the gateway (hsq_app.messaging.gateway); a failure is kept on the log and
tried again by the ``retry_due`` job with growing pauses, up to ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from hsq_app.messaging.gateway import GatewayError, get_gateway

LOG = "HSQ SMS Log"
MAX_ATTEMPTS = 4
RETRY_MINUTES = (5, 30, 120)  # pause before the 2nd, 3rd and 4th attempt
MAX_LENGTH = 500


class UnknownTemplate(frappe.ValidationError):
	pass


def normalize_phone(phone: str | None) -> str:
	"""Digits only (a leading + kept), +86/0086 removed: the form opt-outs are matched in."""
	phone = re.sub(r"[^\d+]", "", phone or "")
	for prefix in ("+86", "0086"):
		if phone.startswith(prefix):
			phone = phone[len(prefix) :]
	return phone


def is_opted_out(phone: str) -> bool:
	return bool(frappe.db.exists("HSQ SMS Opt Out", {"phone": normalize_phone(phone)}))


def opt_out(phone: str, reason: str | None = None) -> None:
	"""Record that this number wants no more messages (idempotent)."""
	phone = normalize_phone(phone)
	if not phone or is_opted_out(phone):
		return
	frappe.get_doc(
		{"doctype": "HSQ SMS Opt Out", "phone": phone, "reason": reason, "opted_out_at": now_datetime()}
	).insert(ignore_permissions=True)


def render(template: str, context: dict) -> str:
	row = frappe.db.get_value("HSQ SMS Template", template, ["body", "enabled"], as_dict=True)
	if not row or not row.enabled:
		frappe.throw(_("SMS template {0} does not exist or is disabled").format(template), UnknownTemplate)
	return frappe.render_template(row.body, context or {}).strip()[:MAX_LENGTH]


def send_sms(
	template: str,
	to: str,
	context: dict | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	institution: str | None = None,
) -> str:
	"""Queue one message; returns the HSQ SMS Log's name. Delivery happens in the background."""
	receiver = normalize_phone(to)
	if not receiver:
		frappe.throw(_("No phone number to send the message to"))
	message = render(template, context or {})
	opted_out = is_opted_out(receiver)
	log = frappe.get_doc(
		{
			"doctype": LOG,
			"status": "Opted Out" if opted_out else "Queued",
			"template": template,
			"receiver": receiver,
			"message": message,
			"institution": institution,
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"attempts": 0,
		}
	).insert(ignore_permissions=True)
	if not opted_out:
		enqueue_delivery(log.name)
	return log.name


def enqueue_delivery(log_name: str) -> None:
	frappe.enqueue(
		"hsq_app.messaging.sms.deliver",
		queue="short",
		log_name=log_name,
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
	)


def deliver(log_name: str) -> str:
	"""Send one logged message through the gateway (the background job); returns its new status."""
	log = frappe.db.get_value(
		LOG, log_name, ["name", "status", "receiver", "message", "attempts"], as_dict=True, for_update=True
	)
	if not log or log.status not in ("Queued", "Retrying"):
		return log.status if log else "Missing"
	attempts = cint(log.attempts) + 1
	values = {"attempts": attempts}
	try:
		get_gateway().send(log.receiver, log.message)
	except GatewayError as e:
		values["last_error"] = str(e)[:500]
		if attempts >= MAX_ATTEMPTS:
			values.update(status="Failed", next_attempt_at=None)
		else:
			pause = RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1]
			values.update(status="Retrying", next_attempt_at=now_datetime() + timedelta(minutes=pause))
	else:
		values.update(status="Sent", sent_at=now_datetime(), next_attempt_at=None, last_error=None)
	frappe.db.set_value(LOG, log_name, values, update_modified=False)
	return values["status"]


def retry_due(now=None) -> int:
	"""Scheduled: try again every message whose pause is over. Returns how many were tried."""
	due = frappe.get_all(
		LOG,
		filters={"status": "Retrying", "next_attempt_at": ("<=", now or now_datetime())},
		pluck="name",
		limit=500,
	)
	for name in due:
		if frappe.flags.in_test:
			deliver(name)
		else:
			enqueue_delivery(name)
	return len(due)


def ensure_template(name: str, body: str, description: str = "") -> None:
	"""A default template, created once and editable afterwards (install and migrate)."""
	if not frappe.db.exists("HSQ SMS Template", name):
		frappe.get_doc(
			{"doctype": "HSQ SMS Template", "template_name": name, "body": body, "description": description}
		).insert(ignore_permissions=True)

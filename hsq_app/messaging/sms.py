"""Text messages (短信) for any part of the app: templates, a send log, opt-out, background sending
with retries.

    from hsq_app.messaging.sms import send_sms
    send_sms("Survey Invitation", "13800138000", {"link": url}, "HSQ Survey Invitation", name,
             institution=inst)

``send_sms`` renders the template now, writes an **HSQ SMS Log** row (Queued, or Opted Out when the
receiver asked for no more messages) and enqueues its delivery after the transaction commits.
Delivery goes through the gateway (hsq_app.messaging.gateway) from the shared outbox
(hsq_app.utils.outbox): a failure is kept on the log and tried again by the ``retry_due`` job with
growing pauses, up to ``MAX_ATTEMPTS``; while no gateway is configured messages wait as Held and go
out when the admin saves SMS Settings.
"""

from __future__ import annotations

import re

import frappe
from frappe import _
from frappe.utils import now_datetime

from hsq_app.messaging.gateway import GatewayError, NotConfigured, get_gateway
from hsq_app.utils import outbox
from hsq_app.utils.bulk import insert_records, set_values
from hsq_app.utils.records import ensure

LOG = "HSQ SMS Log"
MAX_LENGTH = 500
# pauses before the 2nd, 3rd and 4th attempt; a registration notice held a week would confuse
BOX = outbox.Outbox(
	LOG,
	"hsq_app.messaging.sms.deliver",
	"log_name",
	(5, 30, 120),
	("Sent", "sent_at"),
	48,
	unready="hsq_app.messaging.gateway.unready",
)
MAX_ATTEMPTS = BOX.max_attempts


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
	# plain SQL (asked for every message delivered): see outbox.attempt
	return bool(
		frappe.db.sql(
			"select 1 from `tabHSQ SMS Opt Out` where phone = %s limit 1", (normalize_phone(phone),)
		)
	)


def opt_out(phone: str, reason: str | None = None) -> None:
	"""Record that this number wants no more messages (idempotent)."""
	phone = normalize_phone(phone)
	if not phone or is_opted_out(phone):
		return
	frappe.get_doc(
		{"doctype": "HSQ SMS Opt Out", "phone": phone, "reason": reason, "opted_out_at": now_datetime()}
	).insert(ignore_permissions=True)


def render(template: str, context: dict) -> str:
	# the document cache: cleared when an admin saves the template
	row = frappe.get_cached_value("HSQ SMS Template", template, ["body", "enabled"], as_dict=True)
	if not row or not row.enabled:
		frappe.throw(_("SMS template {0} does not exist or is disabled").format(template), UnknownTemplate)
	return _render(row.body, context or {}).strip()[:MAX_LENGTH]


def _render(body: str, context: dict) -> str:
	"""``frappe.render_template(body, context)``, the body compiled once per request or job (a
	registration job texts a second's complainants with one template: Jinja compiled it for each).
	Kept on ``frappe.local`` with Frappe's environment of this request or job, never across them.
	Anything but a plain template (empty, a path, a refused or broken one) is Frappe's to render
	and to refuse."""
	from frappe.utils.jinja import get_jenv, guess_is_path
	from jinja2 import TemplateError

	if not body or guess_is_path(body) or ".__" in body:
		return frappe.render_template(body, context)
	compiled = getattr(frappe.local, "hsq_sms_templates", None)
	if compiled is None:
		compiled = frappe.local.hsq_sms_templates = {}
	try:
		if body not in compiled:
			compiled[body] = get_jenv().from_string(body)
		return compiled[body].render(context)
	except TemplateError:
		pass
	return frappe.render_template(body, context)  # Frappe's "Jinja Template Error", as it says it


def send_sms(
	template: str,
	to: str,
	context: dict | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	institution: str | None = None,
	deliver: bool = True,
) -> str:
	"""Queue one message; returns the HSQ SMS Log's name. Delivery happens in the background
	(``deliver=False``: the caller queues it, e.g. many at once with :func:`enqueue_deliveries`)."""
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
	if not opted_out and deliver:
		enqueue_delivery(log.name)
	return log.name


def send_many(template: str, messages: list[dict], deliver: bool = True) -> list[str]:
	""":func:`send_sms` for many messages of one template (a registration job's second of
	complainants): each ``{"to", "context", "reference_doctype", "reference_name", "institution"}``.
	The same log rows, written in one INSERT instead of a document insert each (HSQ SMS Log has no
	controller, hooks nor versions to run), the opt-outs read in one query, the deliveries queued as
	one job. Returns the logs' names, in the order of ``messages``; a message without a phone number
	stores none of them."""
	if not messages:
		return []
	receivers = [normalize_phone(m.get("to")) for m in messages]
	if not all(receivers):
		frappe.throw(_("No phone number to send the message to"))
	texts = [render(template, m.get("context") or {}) for m in messages]
	opted_out = set(
		frappe.get_all("HSQ SMS Opt Out", filters={"phone": ("in", sorted(set(receivers)))}, pluck="phone")
	)
	now, user = now_datetime(), frappe.session.user
	records = [
		{
			"name": frappe.generate_hash(length=10),  # as Frappe names a document without a naming rule
			"owner": user,
			"modified_by": user,
			"docstatus": 0,
			"idx": 0,
			"status": "Opted Out" if receiver in opted_out else "Queued",
			"template": template,
			"receiver": receiver,
			"message": text,
			"institution": message.get("institution"),
			"reference_doctype": message.get("reference_doctype"),
			"reference_name": message.get("reference_name"),
			"attempts": 0,
		}
		for message, receiver, text in zip(messages, receivers, texts, strict=True)
	]
	insert_records(LOG, records, now=now)
	# an open SMS Log list refreshes, as after a document insert
	frappe.publish_realtime(
		"list_update", {"doctype": LOG, "name": records[-1]["name"]}, doctype=LOG, after_commit=True
	)
	if deliver:
		enqueue_deliveries([r["name"] for r in records if r["status"] == "Queued"])
	return [r["name"] for r in records]


def enqueue_delivery(log_name: str) -> None:
	outbox.enqueue(BOX, log_name)


def enqueue_deliveries(log_names: list[str]) -> None:
	"""One background job delivering these messages one after the other (a burst's messages
	without a forked job each)."""
	outbox.enqueue_many(BOX, log_names)


def deliver(log_name: str) -> str:
	"""Send one logged message through the gateway (the background job); returns its new status."""
	row = next(
		iter(
			frappe.db.sql(
				f"select status, receiver from `tab{LOG}` where name = %s", (log_name,), as_dict=True
			)
		),
		None,
	)
	if row and row.status in outbox.PENDING and is_opted_out(row.receiver):
		# the receiver replied 退订 (hsq_app.messaging.inbound) after the message was queued
		set_values(LOG, log_name, {"status": "Opted Out", "next_attempt_at": None})
		return "Opted Out"

	def send(row):
		try:
			get_gateway().send(row.receiver, row.message)
		except NotConfigured as e:
			raise outbox.Hold(str(e)) from e
		except GatewayError as e:
			raise outbox.SendError(str(e)) from e

	return outbox.attempt(BOX, log_name, ["receiver", "message"], send)


def retry_due(now=None) -> int:
	"""Scheduled: try again every message whose pause is over. Returns how many were tried."""
	return outbox.retry_due(BOX, now)


def release_held(doc=None, method=None) -> int:
	"""SMS Settings saved: send the messages held while no gateway was configured (last 48 hours)."""
	return outbox.release_held(BOX)


def ensure_template(name: str, body: str, description: str = "") -> None:
	"""A default template, created once and editable afterwards (install and migrate)."""
	ensure("HSQ SMS Template", name, {"template_name": name, "body": body, "description": description})

"""Outbound events to a platform: one HSQ Platform Delivery per event and round, delivered by a
background job as HMAC-signed JSON, retried with growing pauses, re-sendable by a bureau admin.

The idempotency key (complaint, event, round) is unique in the log, so queueing the same event
twice stores one row, and every attempt of a row carries the same key: the platform keeps one.

Signature: ``X-HSQ-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`` with
``X-HSQ-Timestamp`` and ``X-HSQ-Idempotency-Key`` (also sent as ``Idempotency-Key``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import frappe
from frappe.utils import cint, now_datetime

LOG = "HSQ Platform Delivery"
MAX_ATTEMPTS = 8
RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720)  # pause before the 2nd … 8th attempt
TIMEOUT_SECONDS = 10


def idempotency_key(complaint: str, event: str, round_no: int) -> str:
	return f"{complaint}:{event.lower().replace(' ', '-')}:{cint(round_no)}"


def sign(secret: str, timestamp: str, body: bytes) -> str:
	return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def queue(doc, event: str, data: dict | None = None, round_no: int | None = None) -> str | None:
	"""Log one event of a platform complaint and deliver it after commit; returns the log's name.

	The same (complaint, event, round) queued again returns the existing row (nothing sent twice).
	"""
	if not doc.get("platform"):
		return None
	round_no = cint(doc.reopen_count) if round_no is None else round_no
	key = idempotency_key(doc.name, event, round_no)
	existing = frappe.db.get_value(LOG, {"idempotency_key": key}, "name")
	if existing:
		return existing
	payload = {
		"event": event,
		"platform": doc.platform,
		"order_no": doc.platform_order_no,
		"complaint": doc.name,
		"round": round_no,
		"occurred_at": str(now_datetime()),
		"idempotency_key": key,
		**(data or {}),
	}
	log = frappe.get_doc(
		{
			"doctype": LOG,
			"status": "Queued",
			"event": event,
			"platform": doc.platform,
			"complaint": doc.name,
			"institution": doc.institution,
			"platform_order_no": doc.platform_order_no,
			"idempotency_key": key,
			"payload": json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str),
			"attempts": 0,
		}
	).insert(ignore_permissions=True)
	enqueue(log.name)
	return log.name


def enqueue(name: str) -> None:
	frappe.enqueue(
		"hsq_app.complaints.platform.delivery.deliver",
		queue="short",
		name=name,
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
	)


def _post(platform: str, key: str, event: str, body: bytes) -> int:
	import requests

	p = frappe.get_cached_doc("HSQ Platform", platform)
	if not p.enabled or not p.url:
		raise DeliveryError(f"platform {platform} has no delivery URL or is disabled")
	secret = p.get_password("secret", raise_exception=False) or ""
	timestamp = str(int(time.time()))
	headers = {
		"Content-Type": "application/json; charset=utf-8",
		"X-HSQ-Event": event.encode("ascii", "ignore").decode(),
		"X-HSQ-Timestamp": timestamp,
		"X-HSQ-Idempotency-Key": key,
		"Idempotency-Key": key,
		"X-HSQ-Signature": "sha256=" + sign(secret, timestamp, body),
	}
	try:
		response = requests.post(p.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
	except requests.RequestException as e:
		raise DeliveryError(str(e)[:500]) from e
	return response.status_code


class DeliveryError(Exception):
	pass


def deliver(name: str) -> str:
	"""One attempt (the background job); returns the row's new status."""
	row = frappe.db.get_value(
		LOG,
		name,
		["name", "status", "platform", "event", "idempotency_key", "payload", "attempts"],
		as_dict=True,
		for_update=True,
	)
	if not row or row.status not in ("Queued", "Retrying"):
		return row.status if row else "Missing"
	attempts = cint(row.attempts) + 1
	values = {"attempts": attempts}
	code = None
	try:
		code = _post(row.platform, row.idempotency_key, row.event, row.payload.encode())
		# 409: the platform already holds this key (an earlier attempt got through): delivered
		if not (200 <= code < 300 or code == 409):
			raise DeliveryError(f"HTTP {code}")
	except DeliveryError as e:
		values.update(last_error=str(e)[:500], response_code=code or 0)
		if attempts >= MAX_ATTEMPTS:
			values.update(status="Failed", next_attempt_at=None)
		else:
			pause = RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1]
			values.update(status="Retrying", next_attempt_at=now_datetime() + timedelta(minutes=pause))
	else:
		values.update(
			status="Delivered", delivered_at=now_datetime(), next_attempt_at=None, response_code=code
		)
	frappe.db.set_value(LOG, name, values, update_modified=False)
	return values["status"]


def retry_due(now=None) -> int:
	"""Scheduled: another attempt for every delivery whose pause is over."""
	due = frappe.get_all(
		LOG,
		filters={"status": "Retrying", "next_attempt_at": ("<=", now or now_datetime())},
		pluck="name",
		order_by="next_attempt_at asc",
		limit=500,
	)
	for name in due:
		if frappe.flags.in_test:
			deliver(name)
		else:
			enqueue(name)
	return len(due)


def resend(name: str) -> dict:
	"""Queue a delivery again (Failed, or Delivered and the platform lost it): same key, same body."""
	frappe.db.set_value(LOG, name, {"status": "Queued", "next_attempt_at": None}, update_modified=False)
	frappe.get_doc(LOG, name).add_comment("Info", frappe._("Re-sent by {0}").format(frappe.session.user))
	enqueue(name)
	return {"name": name, "status": frappe.db.get_value(LOG, name, "status")}

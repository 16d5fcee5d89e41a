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

import frappe
from frappe.utils import cint, now_datetime

from hsq_app.utils import outbox

LOG = "HSQ Platform Delivery"
TIMEOUT_SECONDS = 10
# pauses (minutes) before the 2nd … 8th attempt; a platform needs every event, held or not
PAUSES = (1, 5, 15, 60, 180, 360, 720)
BOX = outbox.Outbox(
	LOG, "hsq_app.complaints.platform.delivery.deliver", "name", PAUSES, ("Delivered", "delivered_at")
)
MAX_ATTEMPTS = BOX.max_attempts


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
	outbox.enqueue(BOX, name)


def _post(platform: str, key: str, event: str, body: bytes) -> int:
	import requests

	p = frappe.get_cached_doc("HSQ Platform", platform)
	if not p.enabled or not p.url:
		raise outbox.Hold(f"platform {platform} has no delivery URL or is disabled")
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
		raise outbox.SendError(str(e)[:500], response_code=0) from e
	return response.status_code


def deliver(name: str) -> str:
	"""One attempt (the background job); returns the row's new status."""

	def send(row):
		code = _post(row.platform, row.idempotency_key, row.event, row.payload.encode())
		# 409: the platform already holds this key (an earlier attempt got through): delivered
		if not (200 <= code < 300 or code == 409):
			raise outbox.SendError(f"HTTP {code}", response_code=code)
		return {"response_code": code}

	return outbox.attempt(BOX, name, ["platform", "event", "idempotency_key", "payload"], send)


def retry_due(now=None) -> int:
	"""Scheduled: another attempt for every delivery whose pause is over."""
	return outbox.retry_due(BOX, now)


def release_held(platform: str | None = None) -> int:
	"""A platform got its URL or was enabled: deliver what waited for it (platforms need every event)."""
	return outbox.release_held(BOX, {"platform": platform} if platform else None)


def resend(name: str) -> dict:
	"""Queue a delivery again (Failed, or Delivered and the platform lost it): same key, same body."""
	frappe.db.set_value(LOG, name, {"status": "Queued", "next_attempt_at": None}, update_modified=False)
	frappe.get_doc(LOG, name).add_comment("Info", frappe._("Re-sent by {0}").format(frappe.session.user))
	enqueue(name)
	return {"name": name, "status": frappe.db.get_value(LOG, name, "status")}

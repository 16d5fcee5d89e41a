"""Abuse control for the guest survey door: the real client address, rate limits, one answer per
device, department and day, and guest text made plain.

The address counted is ``hsq_app.utils.client.client_ip()``: X-Forwarded-For is believed only as
far as trusted proxies wrote it (HSQ Settings → Trusted Proxies), so a client cannot pick a fresh
address for every answer.

Device marks are kept in Redis only (a salted hash, a day long): nothing in the database says which
device or address answered.
"""

from __future__ import annotations

import hashlib

import frappe
from frappe import _
from frappe.utils import cint

from hsq_app.survey import settings as survey_settings
from hsq_app.utils import client, text

DEFAULT_HOURLY_LIMIT = 30
DAY_SECONDS = 24 * 60 * 60


class TooManyAnswers(frappe.TooManyRequestsError):
	pass


class AlreadyAnswered(frappe.ValidationError):
	pass


# -- the client's address ------------------------------------------------------------------------------


def client_ip() -> str:
	"""The real client address (hsq_app.utils.client: X-Forwarded-For only from trusted proxies)."""
	return client.client_ip()


# -- rate limit ----------------------------------------------------------------------------------------


def hourly_limit() -> int:
	return cint(survey_settings.get("hourly_rate_limit")) or DEFAULT_HOURLY_LIMIT


def check_rate(ip: str, limit: int | None = None) -> None:
	"""Count one request of the address in the current hour; over the limit → HTTP 429."""
	limit = limit or hourly_limit()
	key = frappe.cache.make_key(f"hsq:survey:rate:{ip}")
	count = frappe.cache.incr(key)
	if count == 1:
		frappe.cache.expire(key, 60 * 60)
	if count > limit:
		frappe.throw(_("Too many answers from your network; please try again later"), TooManyAnswers)


# -- one answer per device, department and day --------------------------------------------------------


def device_key(device: str | None, ip: str, target: str, day: str) -> str:
	salt = frappe.local.conf.get("secret_key") or frappe.local.site
	raw = "|".join([salt, (device or "").strip()[:64] or f"ip:{ip}", target, day])
	return hashlib.sha256(raw.encode()).hexdigest()


def claim_device(key: str) -> None:
	"""Mark the device as having answered today; a second answer → AlreadyAnswered (417)."""
	name = frappe.cache.make_key(f"hsq:survey:device:{key}")
	if not frappe.cache.set(name, 1, ex=DAY_SECONDS, nx=True):
		frappe.throw(_("You have already answered this survey today. Thank you!"), AlreadyAnswered)


def release_device(key: str) -> None:
	"""Undo a claim when the answer could not be stored (so the patient may try again)."""
	frappe.cache.delete(frappe.cache.make_key(f"hsq:survey:device:{key}"))


# -- plain text ----------------------------------------------------------------------------------------


def plain_text(value, limit: int) -> str:
	"""Guest text as plain text (hsq_app.utils.text: a real HTML parser, no control characters), capped."""
	return (text.plain_text(value) or "")[:limit]

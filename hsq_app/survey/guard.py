"""Abuse control for the guest survey door: the real client address, rate limits, one answer per
device, department and day, and guest text made plain.

``client_ip()`` believes X-Forwarded-For only when the request came through a trusted proxy
(HSQ Survey Settings → Trusted Proxies, or ``hsq_trusted_proxies`` in site_config): otherwise any
client could pick its own address and walk around the limit. Frappe's own ``request_ip`` takes the
header from anyone. (A shared ``hsq_app.utils.client.client_ip`` is planned in main; this module's
helper is the survey's own until then.)

Device marks are kept in Redis only (a salted hash, a day long): nothing in the database says which
device or address answered.
"""

from __future__ import annotations

import hashlib
import ipaddress

import frappe
from bs4 import BeautifulSoup
from frappe import _
from frappe.utils import cint

from hsq_app.survey import settings as survey_settings

DEFAULT_HOURLY_LIMIT = 30
DAY_SECONDS = 24 * 60 * 60


class TooManyAnswers(frappe.TooManyRequestsError):
	pass


class AlreadyAnswered(frappe.ValidationError):
	pass


# -- the client's address ------------------------------------------------------------------------------


def trusted_proxies() -> list:
	text = ""
	try:
		text = survey_settings.get("trusted_proxies") or ""
	except Exception:
		text = ""
	text = "\n".join([text, *(frappe.conf.get("hsq_trusted_proxies") or [])])
	networks = []
	for line in text.replace(",", "\n").splitlines():
		line = line.strip()
		if not line:
			continue
		try:
			networks.append(ipaddress.ip_network(line, strict=False))
		except ValueError:
			continue
	return networks


def _is_trusted(address: str, networks: list) -> bool:
	try:
		ip = ipaddress.ip_address(address)
	except ValueError:
		return False
	return any(ip in net for net in networks)


def client_ip(remote_addr: str | None = None, forwarded_for: str | None = None, networks=None) -> str:
	"""The address of the client: the socket's peer, unless that is a trusted proxy, in which case
	the right-most address in X-Forwarded-For that is not itself a trusted proxy."""
	request = getattr(frappe.local, "request", None)
	if remote_addr is None:
		remote_addr = (request.remote_addr if request else None) or "127.0.0.1"
	if forwarded_for is None:
		forwarded_for = (request.headers.get("X-Forwarded-For") if request else None) or ""
	networks = trusted_proxies() if networks is None else networks
	if not _is_trusted(remote_addr, networks):
		return remote_addr
	for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
		if not _is_trusted(hop, networks):
			return hop
	return remote_addr


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
	"""Guest text as plain text: markup parsed away (not pattern-matched), whitespace tidied, capped."""
	if value is None:
		return ""
	text = str(value)
	if "<" in text or "&" in text:
		text = BeautifulSoup(text, "html.parser").get_text(" ")
	text = " ".join(text.replace("\r", "\n").split(" "))
	text = "\n".join(line.strip() for line in text.split("\n")).strip()
	return text[:limit]

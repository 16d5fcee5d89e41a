"""The real client address of a request, for rate limits and logs.

Frappe 15 takes the first ``X-Forwarded-For`` entry as the request's IP: anyone can send a new
one with every request and so never hit a per-address limit. Here the header is believed only as
far as it was written by proxies the admin trusts (HSQ Settings → Trusted Proxies, one address or
network per line; by default this machine's own nginx): walking the chain from the connection's
peer backwards, the first address that is not a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress

import frappe

from hsq_app.utils.lookups import single_value

DEFAULT_TRUSTED = "127.0.0.1\n::1"


def _networks(text: str | None) -> list:
	nets = []
	for line in (text or "").replace(",", "\n").splitlines():
		line = line.strip()
		if line:
			try:
				nets.append(ipaddress.ip_network(line, strict=False))
			except ValueError:
				continue  # validated on save of HSQ Settings; a stale bad line trusts nothing
	return nets


def trusted_proxies() -> list:
	# read on every request (before_request): plain SQL, not Frappe's query engine (lookups)
	value = single_value("HSQ Settings", "trusted_proxies", "Small Text")
	return _networks(DEFAULT_TRUSTED if value is None else value)


def _is_trusted(address: str, nets: list) -> bool:
	try:
		ip = ipaddress.ip_address(address)
	except ValueError:
		return False
	return any(ip in net for net in nets)


def resolve(peer: str | None, forwarded_for: str | None, nets: list) -> str:
	"""The client address given the connection's peer and the X-Forwarded-For header (pure)."""
	chain = [a.strip() for a in (forwarded_for or "").split(",") if a.strip()]
	current = peer or "127.0.0.1"
	while chain and _is_trusted(current, nets):
		current = chain.pop()
	return current


def client_ip() -> str:
	"""The request's real client address (``frappe.local.request_ip`` after :func:`set_request_ip`)."""
	return frappe.local.request_ip or "127.0.0.1"


def set_request_ip() -> None:
	"""before_request hook: replace Frappe's request_ip (the first, spoofable X-Forwarded-For)."""
	request = getattr(frappe.local, "request", None)
	if request is None:
		return
	frappe.local.request_ip = resolve(
		request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies()
	)


def validate_proxies(text: str | None) -> None:
	from frappe import _

	for line in (text or "").replace(",", "\n").splitlines():
		if line.strip():
			try:
				ipaddress.ip_network(line.strip(), strict=False)
			except ValueError:
				frappe.throw(_("{0} is not an IP address or network").format(line.strip()))

"""Where an SMS leaves the system: the gateway the admin configures in Frappe's SMS Settings, or a
fake one that keeps messages in memory (tests, demo sites: ``"hsq_sms_gateway": "fake"`` in
site_config, or ``frappe.flags.hsq_fake_sms``)."""

from __future__ import annotations

import frappe
from frappe import _


class GatewayError(Exception):
	"""The gateway did not take the message (worth another try later)."""


class NotConfigured(GatewayError):
	pass


class SMSSettingsGateway:
	"""Frappe's SMS Settings: URL, message and receiver parameters, static parameters and headers."""

	def unready(self) -> str | None:
		"""Why no message can go out now (no gateway URL), or None."""
		if not frappe.get_cached_doc("SMS Settings").sms_gateway_url:
			return _("Please set up the SMS gateway in SMS Settings")
		return None

	def send(self, receiver: str, message: str) -> None:
		from frappe.core.doctype.sms_settings.sms_settings import get_headers, send_request

		if why := self.unready():
			raise NotConfigured(why)
		ss = frappe.get_cached_doc("SMS Settings")
		headers = get_headers(ss)
		params = {ss.message_parameter: message, ss.receiver_parameter: receiver}
		for row in ss.get("parameters"):
			if not row.header:
				params[row.parameter] = row.value
		try:
			status = send_request(
				ss.sms_gateway_url,
				params,
				headers,
				ss.use_post,
				headers.get("Content-Type") == "application/json",
			)
		except Exception as e:  # requests' errors: connection, timeout, HTTP status
			raise GatewayError(str(e)[:500]) from e
		if not 200 <= status < 300:
			raise GatewayError(f"HTTP {status}")


class FakeGateway:
	"""Keeps what it is given in ``outbox``; ``fail_next`` makes the next n sends fail."""

	outbox: list[tuple[str, str]] = []
	fail_next = 0

	def unready(self) -> None:
		return None

	def send(self, receiver: str, message: str) -> None:
		if FakeGateway.fail_next > 0:
			FakeGateway.fail_next -= 1
			raise GatewayError("fake gateway: failure on purpose")
		FakeGateway.outbox.append((receiver, message))

	@classmethod
	def reset(cls) -> None:
		cls.outbox.clear()
		cls.fail_next = 0


def unready() -> str | None:
	"""Why no message can go out now (the configured gateway's answer), or None: the SMS outbox's
	``unready`` (hsq_app.utils.outbox)."""
	return get_gateway().unready()


def get_gateway():
	if frappe.flags.hsq_fake_sms or frappe.conf.get("hsq_sms_gateway") == "fake":
		return FakeGateway()
	return SMSSettingsGateway()

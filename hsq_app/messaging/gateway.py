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

	def send(self, receiver: str, message: str) -> None:
		from frappe.core.doctype.sms_settings.sms_settings import get_headers, send_request

		ss = frappe.get_cached_doc("SMS Settings")
		if not ss.sms_gateway_url:
			raise NotConfigured(_("Please set up the SMS gateway in SMS Settings"))
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

	def send(self, receiver: str, message: str) -> None:
		if FakeGateway.fail_next > 0:
			FakeGateway.fail_next -= 1
			raise GatewayError("fake gateway: failure on purpose")
		FakeGateway.outbox.append((receiver, message))

	@classmethod
	def reset(cls) -> None:
		cls.outbox.clear()
		cls.fail_next = 0


def get_gateway():
	if frappe.flags.hsq_fake_sms or frappe.conf.get("hsq_sms_gateway") == "fake":
		return FakeGateway()
	return SMSSettingsGateway()

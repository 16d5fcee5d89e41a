"""Replies from patients through the SMS gateway (上行短信): a reply asking for no more messages
(TD, T, 退订, 取消 …) puts the number on the opt-out list (HSQ SMS Opt Out), so ``send_sms`` logs
every later message as Opted Out and queued ones are not delivered.

The gateway calls ``POST /api/method/hsq_app.api.sms.inbound`` with the intake token (role HSQ
Intake Integration, like the platforms' callbacks); its input is plain text. The same reply
arriving twice changes nothing: a number is on the list once. Other replies are acknowledged and
not stored (nothing personal is kept without a reason).
"""

from __future__ import annotations

import re
import unicodedata

import frappe
from frappe import _
from frappe.utils import now_datetime

from hsq_app.messaging import sms
from hsq_app.utils.text import plain_text

# what Chinese carriers and senders accept as 退订 (compared after normalizing: NFKC, upper case,
# spaces and punctuation removed)
OPT_OUT_WORDS = frozenset(
	{"TD", "T", "TUIDING", "QX", "N", "STOP", "UNSUBSCRIBE", "退订", "退", "取消", "取消订阅", "退订短信"}
)
PHONE_KEYS = ("phone", "mobile", "from", "sender")
TEXT_KEYS = ("content", "message", "text")
MAX_TEXT = 500
VALID_PHONE = re.compile(r"^\+?\d{5,20}$")


class InboundError(frappe.ValidationError):
	http_status_code = 417


def _fail(message: str):
	frappe.throw(message, InboundError, title=_("Invalid SMS reply"))


def _field(payload: dict, keys: tuple[str, ...], limit: int) -> str:
	for key in keys:
		value = payload.get(key)
		if value is None:
			continue
		if not isinstance(value, str | int):
			_fail(_("{0} must be text").format(key))
		return (plain_text(str(value)) or "").strip()[:limit]
	return ""


def normalize(text: str) -> str:
	text = unicodedata.normalize("NFKC", text or "").upper()
	return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] in "PSC"))


def asks_to_opt_out(text: str) -> bool:
	"""A reply that is one of the opt-out words, or holds 退订 anywhere."""
	word = normalize(text)
	return word in OPT_OUT_WORDS or "退订" in word


def receive(payload: dict) -> dict:
	"""One reply from the gateway: ``phone`` (or mobile/from/sender) and ``content`` (or message/text)."""
	raw_phone = _field(payload, PHONE_KEYS, 40)
	text = _field(payload, TEXT_KEYS, MAX_TEXT)
	phone = sms.normalize_phone(raw_phone)
	if not phone or not VALID_PHONE.match(phone):
		_fail(_("Missing required fields: {0}").format("phone"))
	if not asks_to_opt_out(text):
		return {"opted_out": sms.is_opted_out(phone), "created": False}
	if sms.is_opted_out(phone):
		return {"opted_out": True, "created": False}
	try:
		frappe.get_doc(
			{
				"doctype": "HSQ SMS Opt Out",
				"phone": phone,
				"reason": _("Replied {0} by SMS").format(text[:40]),
				"opted_out_at": now_datetime(),
			}
		).insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		return {"opted_out": True, "created": False}  # the same reply, twice at once
	return {"opted_out": True, "created": True}

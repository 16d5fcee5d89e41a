"""The SMS gateway's door for replies (上行短信): ``POST /api/method/hsq_app.api.sms.inbound``.

Token auth with role HSQ Intake Integration (like the platforms' callbacks), plain-text input,
idempotent; a 退订 reply (TD, T, 退订 …) puts the number on the opt-out list
(hsq_app.messaging.inbound). Bad input → HTTP 417 with a readable message.
"""

import frappe

from hsq_app.messaging import inbound as inbound_replies
from hsq_app.permissions import require_role
from hsq_app.roles import INTAKE_INTEGRATION


@frappe.whitelist(methods=["POST"])
def inbound(**payload):
	require_role(INTAKE_INTEGRATION)
	payload.pop("cmd", None)
	return inbound_replies.receive(payload)

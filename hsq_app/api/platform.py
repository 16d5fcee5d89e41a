"""Doors of platform work orders (12345, 信访).

* ``callback`` — the platform's callbacks (回访 result, extension decision, 催办/督办): token auth
  and role HSQ Intake Integration like intake, idempotent on (platform, callback_id); bad input 417.
* ``sign_for``, ``send_back``, ``request_extension`` — the quality officer's (or bureau admin's)
  actions on a complaint they may write; each is delivered to the platform in the background.
"""

import frappe

from hsq_app.complaints.platform import callbacks, orders
from hsq_app.permissions import require_role
from hsq_app.roles import INTAKE_INTEGRATION


@frappe.whitelist(methods=["POST"])
def callback(**payload):
	require_role(INTAKE_INTEGRATION)
	payload.pop("cmd", None)
	return callbacks.receive(payload)


@frappe.whitelist(methods=["POST"])
def sign_for(complaint: str):
	return orders.sign_for(complaint)


@frappe.whitelist(methods=["POST"])
def send_back(complaint: str, reason: str):
	return orders.send_back(complaint, reason)


@frappe.whitelist(methods=["POST"])
def request_extension(complaint: str, days: int, reason: str):
	return orders.request_extension(complaint, days, reason)

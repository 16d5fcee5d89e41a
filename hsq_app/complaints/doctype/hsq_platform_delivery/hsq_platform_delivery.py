# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from hsq_app.permissions import require_role
from hsq_app.roles import BUREAU_ADMIN


class HSQPlatformDelivery(Document):
	@frappe.whitelist(methods=["POST"])
	def resend(self):
		"""A bureau admin sends the event again (same idempotency key: the platform keeps one)."""
		require_role(BUREAU_ADMIN)
		self.check_permission("read")
		from hsq_app.complaints.platform import delivery

		return delivery.resend(self.name)

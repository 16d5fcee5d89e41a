# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from urllib.parse import urlparse

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.complaints.platform.orders import PLATFORM_BY_CHANNEL
from hsq_app.utils import cached

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class HSQPlatform(Document):
	def validate(self):
		if self.url:
			url = urlparse(self.url.strip())
			# events carry personal data: HTTPS only (plain HTTP only to this machine, for tests)
			if not url.hostname or not (
				url.scheme == "https" or (url.scheme == "http" and url.hostname in LOOPBACK)
			):
				frappe.throw(_("The delivery URL must be an https:// address"))
			self.url = self.url.strip()

	def on_change(self):
		cached.forget(PLATFORM_BY_CHANNEL)

	def on_trash(self):
		cached.forget(PLATFORM_BY_CHANNEL)

	def after_rename(self, old, new, merge=False):
		cached.forget(PLATFORM_BY_CHANNEL)

	def on_update(self):
		if self.enabled and self.url:
			from hsq_app.complaints.platform import delivery

			# events logged while the platform had no URL (or was off) go out now, oldest first
			delivery.release_held(self.name)

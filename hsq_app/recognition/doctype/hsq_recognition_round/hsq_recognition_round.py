# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from hsq_app.recognition import ranking


class HSQRecognitionRound(Document):
	def before_insert(self):
		ranking.before_insert(self)

	def validate(self):
		ranking.validate(self)

	@frappe.whitelist(methods=["POST"])
	def confirm(self):
		"""The institution's leader or administrator confirms the proposals."""
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		ranking.confirm(self)

	@frappe.whitelist(methods=["POST"])
	def approve(self):
		"""A bureau admin approves: service stars and model departments are published."""
		self.load_from_db()  # act on the stored record, never on a client's copy of it
		ranking.approve(self)


@frappe.whitelist(methods=["POST"])
def create_rounds(period_start=None):
	"""One ranking per institution for the quarter of ``period_start`` (default: the last quarter)."""
	return ranking.create_rounds(period_start)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

ITEM_FIELDS = ("item", "area", "question", "item_type", "options")
ACTIVE_CACHE = "hsq_survey_active_template"
ITEMS_CACHE = "hsq_survey_template_items"  # the guest door's copy of each questionnaire's items


class HSQSurveyTemplate(Document):
	def validate(self):
		seen = set()
		for row in self.items:
			row.item = (row.item or "").strip()
			if row.item in seen:
				frappe.throw(_("Row {0}: item code {1} is used twice").format(row.idx, row.item))
			seen.add(row.item)
			if row.item_type in ("Single Choice", "Multiple Choice") and not (row.options or "").strip():
				frappe.throw(_("Row {0}: list the choices, one a line").format(row.idx))
		self.bump_version()

	def bump_version(self):
		"""A changed questionnaire is a new version; past answers keep their own copy of each question."""
		before = self.get_doc_before_save()
		if not before:
			self.version = self.version or 1
			return
		old = [tuple(r.get(f) or "" for f in ITEM_FIELDS) for r in before.items]
		new = [tuple(r.get(f) or "" for f in ITEM_FIELDS) for r in self.items]
		if old != new:
			self.version = (before.version or 1) + 1

	def on_change(self):
		frappe.cache.delete_value([ACTIVE_CACHE, ITEMS_CACHE])

	def on_trash(self):
		if frappe.db.exists("HSQ Survey Response", {"template": self.name}):
			frappe.throw(_("This questionnaire has answers; deactivate it instead of deleting it"))
		frappe.cache.delete_value([ACTIVE_CACHE, ITEMS_CACHE])


def active_template(kind: str) -> str | None:
	"""The questionnaire answers of a kind are given on (cached until a template is saved)."""
	return frappe.cache.hget(ACTIVE_CACHE, kind, lambda: _active_template(kind))


def _active_template(kind: str) -> str | None:
	rows = frappe.get_all(
		"HSQ Survey Template",
		filters={"kind": kind, "is_active": 1},
		order_by="modified desc",
		pluck="name",
		limit=1,
	)
	return rows[0] if rows else None

"""HSQ Survey Settings, read once per request or job (one query instead of one per field on the
guest door's hot path). Entry points call ``reset()`` so a request never sees another's values."""

from __future__ import annotations

import frappe


def get(field: str):
	values = getattr(frappe.local, "hsq_survey_settings", None)
	if values is None:
		values = frappe.local.hsq_survey_settings = frappe.db.get_singles_dict(
			"HSQ Survey Settings", cast=True
		)
	return values.get(field)


def reset() -> None:
	frappe.local.hsq_survey_settings = None

"""HSQ Survey Settings, read once per request or job (one query instead of one per field on the
guest door's hot path). Entry points call ``reset()`` so a request never sees another's values.

The guest door calls ``reset(cached=True)``: the values come from Frappe's document cache (no query;
Frappe clears it when the settings are saved or set with ``frappe.db.set_single_value``)."""

from __future__ import annotations

import frappe


def get(field: str):
	values = getattr(frappe.local, "hsq_survey_settings", None)
	if values is None:
		values = frappe.local.hsq_survey_settings = frappe.db.get_singles_dict(
			"HSQ Survey Settings", cast=True
		)
	return values.get(field)


def reset(cached: bool = False) -> None:
	frappe.local.hsq_survey_settings = (
		frappe.get_cached_doc("HSQ Survey Settings").as_dict(no_default_fields=True) if cached else None
	)

"""Which questionnaire a follow-up asks (used by the import, the form and the monthly report)."""

from __future__ import annotations

from collections.abc import Iterable

import frappe


def active_templates(institutions: Iterable[str]) -> dict[str, str | None]:
	"""{institution: questionnaire template}: the institution's own active one, else the county's."""
	rows = frappe.get_all(
		"HSQ Questionnaire Template",
		filters={"is_active": 1},
		fields=["name", "institution"],
		order_by="modified desc",
	)
	county = next((r.name for r in rows if not r.institution), None)
	own = {}
	for r in rows:
		if r.institution and r.institution not in own:
			own[r.institution] = r.name
	return {i: own.get(i, county) for i in set(institutions)}

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt
"""What the app's script reports share."""

from frappe import _


def column(fieldname: str, label: str, fieldtype: str = "Data", width: int = 120, options=None, **kw) -> dict:
	"""A report column; `label` is the English message, translated here."""
	return {
		"fieldname": fieldname,
		"label": _(label),
		"fieldtype": fieldtype,
		"width": width,
		"options": options,
		**kw,
	}

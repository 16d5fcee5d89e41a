# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class HSQFollowUpDayStat(Document):
	"""A materialized aggregate written only by hsq_app.follow_up.stats (like ERPNext's Bin): never
	edited by hand; rebuilt from the follow-ups at any time with ``stats.rebuild()``."""


def on_doctype_update():
	import frappe

	frappe.db.add_index("HSQ Follow Up Day Stat", ["institution", "due_date"])

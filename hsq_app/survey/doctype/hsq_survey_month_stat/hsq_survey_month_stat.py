# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class HSQSurveyMonthStat(Document):
	pass


def on_doctype_update():
	# the reports add up whole months by period and institution
	frappe.db.add_index("HSQ Survey Month Stat", ["month", "institution", "department"])

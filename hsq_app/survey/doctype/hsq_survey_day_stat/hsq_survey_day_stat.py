# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class HSQSurveyDayStat(Document):
	pass


def on_doctype_update():
	# the reports filter cells by period and institution
	frappe.db.add_index("HSQ Survey Day Stat", ["day", "institution", "department"])
	frappe.db.add_index("HSQ Survey Day Stat", ["institution", "day"])

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class HSQThemeMonthStat(Document):
	pass


# the columns of the report's covering index: where and what it adds up
REPORT_SUMS = (
	"month",
	"institution",
	"department",
	"theme",
	"mentions",
	"from_complaints",
	"from_surveys",
	"from_follow_ups",
)


def on_doctype_update():
	# the reports filter cells by period and institution
	frappe.db.add_index("HSQ Theme Month Stat", ["month", "institution", "department"])
	frappe.db.add_index("HSQ Theme Month Stat", ["theme", "month"])
	# the Survey Themes report's sums read the index alone (no row lookups; benchmarks/README.md)
	frappe.db.add_index("HSQ Theme Month Stat", list(REPORT_SUMS), index_name="report_sums")

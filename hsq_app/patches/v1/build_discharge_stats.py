"""Fill the per-day discharge counts (hsq_app.follow_up.stats) from the discharge records already there."""

import frappe

from hsq_app.follow_up import stats


def execute():
	first, last = frappe.db.sql(
		f"SELECT MIN(discharge_date), MAX(discharge_date) FROM `tab{stats.DISCHARGE}`"
	)[0]
	if not first:
		return
	for institution in frappe.db.sql_list(f"SELECT DISTINCT institution FROM `tab{stats.DISCHARGE}`"):
		if institution:
			stats.refresh_discharges(institution, first, last)

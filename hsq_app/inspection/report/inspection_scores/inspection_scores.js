// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// the last twelve months by default (hsq.filters: public/js/report_filters.js)
frappe.query_reports["Inspection Scores"] = {
	filters: [
		...hsq.filters.period(frappe.datetime.add_months(frappe.datetime.get_today(), -12), frappe.datetime.get_today(), 0),
		hsq.filters.institution(),
		hsq.filters.choice("period", __("Period"), ["Month", "Quarter"], { default: "Month" }),
	],
};

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Survey Themes"] = {
	filters: [
		{ fieldname: "month", label: __("Month"), fieldtype: "Date", default: frappe.datetime.month_start(), reqd: 1 },
		hsq.filters.institution(),
		hsq.filters.department(),
	],
};

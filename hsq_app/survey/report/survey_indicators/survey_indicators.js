// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Survey Indicators"] = {
	filters: [
		...hsq.filters.period(frappe.datetime.month_start(), frappe.datetime.month_end()),
		hsq.filters.institution(),
		hsq.filters.department(),
		{ fieldname: "by_department", label: __("By Department"), fieldtype: "Check" },
	],
};

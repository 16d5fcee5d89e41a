// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Follow Up Coverage"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_start(),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_end(),
			reqd: 1,
		},
		{
			fieldname: "institution",
			label: __("Institution"),
			fieldtype: "Link",
			options: "HSQ Institution",
		},
	],
};

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Survey Indicators"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.month_start(), reqd: 1 },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.month_end(), reqd: 1 },
		{ fieldname: "institution", label: __("Institution"), fieldtype: "Link", options: "HSQ Institution" },
		{
			fieldname: "department",
			label: __("Department"),
			fieldtype: "Link",
			options: "HSQ Department",
			get_query: () => {
				const institution = frappe.query_report.get_filter_value("institution");
				return institution ? { filters: { institution } } : {};
			},
		},
		{ fieldname: "by_department", label: __("By Department"), fieldtype: "Check" },
	],
};

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Most Failed Inspection Items"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "institution", label: __("Institution"), fieldtype: "Link", options: "HSQ Institution" },
	],
};

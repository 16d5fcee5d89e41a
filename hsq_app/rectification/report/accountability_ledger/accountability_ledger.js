// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Accountability Ledger"] = {
	filters: [
		{ fieldname: "year", label: __("Year"), fieldtype: "Int", default: new Date().getFullYear() },
		{ fieldname: "institution", label: __("Institution"), fieldtype: "Link", options: "HSQ Institution" },
		{
			fieldname: "subject_type",
			label: __("Subject Type"),
			fieldtype: "Select",
			options: ["", "Staff", "Institution"],
		},
		{ fieldname: "staff", label: __("Staff"), fieldtype: "Link", options: "HSQ Staff" },
		{
			fieldname: "status",
			label: __("Status"),
			fieldtype: "Select",
			options: ["", "Proposed", "Approved", "Dismissed"],
		},
	],
};

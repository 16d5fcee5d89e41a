// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Complaint Ledger"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -1) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
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
		{ fieldname: "category", label: __("Category"), fieldtype: "Link", options: "HSQ Complaint Category" },
		{
			fieldname: "channel",
			label: __("Channel"),
			fieldtype: "Select",
			options: ["", "On-site", "Hotline", "12345 Hotline", "Letters and Visits", "Website", "WeChat", "Mailbox", "Satisfaction Survey", "Follow Up", "Bureau Referral", "Email"],
		},
		{
			fieldname: "workflow_state",
			label: __("Status"),
			fieldtype: "Select",
			options: ["", "Registered", "Dispatched", "Accepted", "In Progress", "Pending Approval", "Resolved", "Closed", "Not Accepted"],
		},
		{ fieldname: "finding", label: __("Finding"), fieldtype: "Select", options: ["", "Upheld", "Partially Upheld", "Not Upheld"] },
		{ fieldname: "sla_status", label: __("SLA Status"), fieldtype: "Select", options: ["", "On Track", "Warning", "Breached", "Met", "Paused"] },
		{
			fieldname: "limit",
			label: __("Rows Shown"),
			fieldtype: "Select",
			options: ["500", "2000", "10000", "50000"],
			default: "2000",
		},
	],
};

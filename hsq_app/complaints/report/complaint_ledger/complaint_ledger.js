// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Complaint Ledger"] = {
	filters: [
		...hsq.filters.period(frappe.datetime.add_months(frappe.datetime.get_today(), -1), frappe.datetime.get_today(), 0),
		hsq.filters.institution(),
		hsq.filters.department(),
		{ fieldname: "category", label: __("Category"), fieldtype: "Link", options: "HSQ Complaint Category" },
		hsq.filters.select("HSQ Complaint", "channel", __("Channel")),
		hsq.filters.select("HSQ Complaint", "workflow_state", __("Status")),
		hsq.filters.select("HSQ Complaint", "finding", __("Finding")),
		hsq.filters.select("HSQ Complaint", "sla_status", __("SLA Status")),
		{
			fieldname: "limit",
			label: __("Rows Shown"),
			fieldtype: "Select",
			options: ["500", "2000", "10000", "50000"],
			default: "500",
		},
	],
};

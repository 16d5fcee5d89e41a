// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Rectification Ledger"] = {
	filters: [
		hsq.filters.institution(),
		hsq.filters.department("responsible_department", __("Responsible Department")),
		{
			fieldname: "source_type",
			label: __("Source Type"),
			fieldtype: "Select",
			options: ["", "Complaint", "Concentrated Problem", "Spot Check", "Survey", "Inspection", "Other"],
		},
		{
			fieldname: "workflow_state",
			label: __("Workflow State"),
			fieldtype: "Select",
			options: ["", "Open", "In Progress", "Pending Verification", "Closed"],
		},
		{
			fieldname: "pdca_stage",
			label: __("PDCA Stage"),
			fieldtype: "Select",
			options: ["", "Plan", "Do", "Check", "Act"],
		},
		{ fieldname: "is_overdue", label: __("Overdue"), fieldtype: "Check" },
		...hsq.filters.period(undefined, undefined, 0),
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "deadline" && data && data.is_overdue) {
			value = `<span style="color: var(--red-500)">${value}</span>`;
		}
		return value;
	},
};

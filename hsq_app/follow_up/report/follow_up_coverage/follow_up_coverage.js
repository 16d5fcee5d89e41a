// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Follow Up Coverage"] = {
	filters: [
		...hsq.filters.period(frappe.datetime.month_start(), frappe.datetime.month_end()),
		hsq.filters.institution(),
	],
	formatter(value, row, column, data, default_formatter) {
		const raw = data ? data[column.fieldname] : null;
		value = default_formatter(value, row, column, data);
		const target = data && data.institution && follow_up_coverage_drill(column.fieldname, data);
		return target ? hsq.drill(value, raw, target[0], target[1]) : value;
	},
};

// the list (DocType, filters) behind a figure of an institution's row
function follow_up_coverage_drill(fieldname, data) {
	const get = (f) => frappe.query_report.get_filter_value(f);
	const range = ["Between", [get("from_date"), get("to_date")]];
	const planned = { institution: data.institution, due_date: range };
	const targets = {
		discharged: ["HSQ Discharge Record", { institution: data.institution, discharge_date: range }],
		planned: ["HSQ Follow Up", planned],
		coverage_percent: ["HSQ Follow Up", planned],
		completed: ["HSQ Follow Up", { ...planned, status: "Completed" }],
		avg_satisfaction: ["HSQ Follow Up", { ...planned, status: "Completed" }],
		unreachable: ["HSQ Follow Up", { ...planned, status: "Unreachable" }],
		refused: ["HSQ Follow Up", { ...planned, status: "Refused" }],
		not_done: ["HSQ Follow Up", { ...planned, status: ["in", ["Pending", "Overdue"]] }],
		issues_found: ["HSQ Follow Up", { ...planned, issue_found: ["is", "set"] }],
		complaints_raised: ["HSQ Follow Up", { ...planned, complaint: ["is", "set"] }],
	};
	return targets[fieldname];
}

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Monthly Bureau Summary"] = {
	filters: [
		{
			fieldname: "month",
			label: __("Month"),
			fieldtype: "Date",
			default: frappe.datetime.month_start(),
			reqd: 1,
		},
		{ fieldname: "institution", label: __("Institution"), fieldtype: "Link", options: "HSQ Institution" },
	],
	formatter(value, row, column, data, default_formatter) {
		const raw = data ? data[column.fieldname] : null;
		value = default_formatter(value, row, column, data);
		if (!data || !data.institution) return value;
		if (column.fieldname === "received_change" && raw > 0) {
			// more complaints than last month: in red, with its sign
			return `<div style="text-align: right; color: var(--red-500)">+${format_number(raw, null, 0)}</div>`;
		}
		const target = monthly_summary_drill(column.fieldname, data);
		if (!target) return value;
		if (column.fieldname === "institution") {
			// the name opens the month's complaints (not the institution's own form)
			value = frappe.utils.escape_html(data.institution);
		}
		return hsq.drill(value, raw, target[0], target[1]);
	},
};

// the list (DocType, filters) behind each figure of an institution's row
function monthly_summary_drill(fieldname, data) {
	const month = frappe.query_report.get_filter_value("month");
	const range = ["Between", hsq.month_range(month)];
	const institution = data.institution;
	const received = { institution, received_at: range };
	const resolved = { institution, resolved_at: range };
	const follow_ups = { institution, due_date: range };
	const open_tasks = { institution, workflow_state: ["!=", "Closed"] };
	const targets = {
		institution: ["HSQ Complaint", received],
		received: ["HSQ Complaint", received],
		closed: ["HSQ Complaint", { ...received, workflow_state: "Closed" }],
		upheld: ["HSQ Complaint", { ...received, finding: ["in", ["Upheld", "Partially Upheld"]] }],
		escalated: ["HSQ Complaint", { ...received, escalation_level: [">", 0] }],
		on_time_rate: ["HSQ Complaint", resolved],
		coverage: ["HSQ Follow Up", follow_ups],
		satisfaction: ["HSQ Follow Up", { ...follow_ups, status: "Completed" }],
		tasks_open: ["HSQ Rectification Task", open_tasks],
		tasks_overdue: ["HSQ Rectification Task", { ...open_tasks, is_overdue: 1 }],
		tasks_closed: [
			"HSQ Rectification Task",
			{ institution, workflow_state: "Closed", verified_at: range },
		],
		accountability: [
			"HSQ Accountability Record",
			{ institution, year: moment(month).year(), status: ["!=", "Dismissed"] },
		],
	};
	return targets[fieldname];
}

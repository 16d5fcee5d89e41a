// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["SLA Overdue Board"] = {
	filters: [
		hsq.filters.institution(),
		hsq.filters.department(),
		hsq.filters.choice("sla_status", __("SLA Status"), [
			["", __("Warning and Breached")],
			"Warning",
			"Breached",
		]),
		{
			fieldname: "min_escalation_level",
			label: __("Escalated to Level (at least)"),
			fieldtype: "Int",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		if (column.fieldname === "sla_status" && data && data.sla_status) {
			return hsq_sla_pill(data.sla_status);
		}
		if (column.fieldname === "hours_left" && data && data.hours_left != null) {
			const h = data.hours_left;
			const text = h < 0 ? __("{0} h overdue", [Math.abs(h)]) : __("{0} h left", [h]);
			return `<span style="color: var(--${h < 0 ? "red" : "orange"}-600)">${text}</span>`;
		}
		return default_formatter(value, row, column, data);
	},
};

function hsq_sla_pill(status) {
	const color = { Warning: "orange", Breached: "red", "On Track": "green", Met: "blue", Paused: "gray" }[
		status
	];
	return `<span class="indicator-pill ${color || "gray"}">${__(status)}</span>`;
}

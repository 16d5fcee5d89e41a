// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["SLA Compliance"] = {
	filters: [
		...hsq.filters.period(frappe.datetime.add_months(frappe.datetime.get_today(), -12), frappe.datetime.get_today()),
		hsq.filters.choice("group_by", __("Group By"), ["Institution", "Department", "Channel", "Month"], {
			default: "Institution",
			reqd: 1,
		}),
		hsq.filters.institution(),
		hsq.filters.department(),
		hsq.filters.select("HSQ Complaint", "channel", __("Channel")),
	],
	formatter(value, row, column, data, default_formatter) {
		const raw = data ? data[column.fieldname] : null;
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "compliance" && data && data.compliance != null) {
			const color = data.compliance >= 95 ? "green" : data.compliance >= 80 ? "orange" : "red";
			value = `<span style="color: var(--${color}-600)">${value}</span>`;
		}
		const filters = data && sla_compliance_drill(column.fieldname, data);
		return filters ? hsq.drill(value, raw, "HSQ Complaint", filters) : value;
	},
	// a bar of the chart (a group's rate) opens the resolved complaints it is made of
	chart_drill(label) {
		const row = (frappe.query_report.data || []).find((r) => (r.grp || __("Not Set")) === label);
		const filters = row && sla_compliance_drill(row.total ? "compliance" : "total", row);
		return filters ? ["HSQ Complaint", filters] : null;
	},
};

// the complaint list filters behind a figure of a row (Met and Late as the SLA status records them)
function sla_compliance_drill(fieldname, data) {
	const get = (f) => frappe.query_report.get_filter_value(f);
	let [from, to] = [get("from_date"), get("to_date")];
	const base = { workflow_state: ["!=", "Not Accepted"] };
	for (const f of ["institution", "department", "channel"]) {
		if (get(f)) base[f] = get(f);
	}
	const group_by = get("group_by") || "Institution";
	if (group_by === "Month") {
		if (!data.grp_value) return null;
		const [start, end] = hsq.month_range(`${data.grp_value}-01`);
		from = from > start ? from : start;
		to = to < end ? to : end;
	} else {
		const field = group_by.toLowerCase();
		base[field] = data.grp_value ? data.grp_value : ["is", "not set"];
	}
	base.received_at = ["Between", [from, to]];
	const open = {
		...base,
		resolved_at: ["is", "not set"],
		workflow_state: ["not in", ["Resolved", "Closed", "Not Accepted"]],
	};
	const now = frappe.datetime.now_datetime();
	const targets = {
		total: base,
		compliance: { ...base, resolved_at: ["is", "set"] },
		met: { ...base, resolved_at: ["is", "set"], sla_status: "Met" },
		late: { ...base, resolved_at: ["is", "set"], sla_status: "Breached" },
		overdue: { ...open, resolve_by: ["<", now] },
		open_on_time: { ...open, resolve_by: [">=", now] },
		escalated: { ...base, escalation_level: [">", 0] },
		extended: { ...base, extension_days: [">", 0] },
		avg_days: { ...base, resolved_at: ["is", "set"] },
	};
	return targets[fieldname];
}

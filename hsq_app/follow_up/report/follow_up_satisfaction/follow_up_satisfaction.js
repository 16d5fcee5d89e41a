// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["Follow Up Satisfaction"] = {
	filters: [
		...hsq.filters.period(
			frappe.datetime.add_months(frappe.datetime.month_start(), -11),
			frappe.datetime.month_end()
		),
		hsq.filters.institution(),
		hsq.filters.department(),
	],
	formatter(value, row, column, data, default_formatter) {
		const raw = data ? data[column.fieldname] : null;
		value = default_formatter(value, row, column, data);
		const filters = data && data.period && follow_up_satisfaction_drill(column.fieldname, data);
		return filters ? hsq.drill(value, raw, "HSQ Follow Up", filters) : value;
	},
	// a month of the chart opens the follow-ups completed in it
	chart_drill(label) {
		const month = hsq.charts.month_filter(label, "completed_at");
		const filters = { ...month, status: "Completed" };
		for (const f of ["institution", "department"]) {
			const value = frappe.query_report.get_filter_value(f);
			if (value) filters[f] = value;
		}
		return month ? ["HSQ Follow Up", filters] : null;
	},
};

// the completed follow-ups behind a month's figure (for a dimension: those that scored it)
function follow_up_satisfaction_drill(fieldname, data) {
	const get = (f) => frappe.query_report.get_filter_value(f);
	const [start, end] = hsq.month_range(`${data.period}-01`);
	const from = get("from_date") > start ? get("from_date") : start;
	const to = get("to_date") < end ? get("to_date") : end;
	const filters = {
		status: "Completed",
		completed_at: ["Between", [from, to]],
		institution: data.institution,
		department: data.department,
	};
	if (fieldname === "responses" || fieldname === "overall") {
		return { ...filters, overall_satisfaction: [">", 0] };
	}
	const dimension = (data._dimensions || {})[fieldname];
	return dimension
		? { ...filters, "HSQ Follow Up Score.dimension": dimension, "HSQ Follow Up Score.score": [">", 0] }
		: null;
}

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
		value = default_formatter(value, row, column, data);
		if (["received_change"].includes(column.fieldname) && data && data[column.fieldname] > 0) {
			return `<span style="color: var(--red-500)">+${value}</span>`;
		}
		if (column.fieldname === "institution" && data && data.institution) {
			const month = frappe.query_report.get_filter_value("month");
			return `<a href="/app/hsq-complaint?institution=${encodeURIComponent(data.institution)}&received_at=${encodeURIComponent(
				JSON.stringify([">=", month])
			)}">${value}</a>`;
		}
		return value;
	},
};

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["SLA Compliance"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Institution", label: __("Institution") },
				{ value: "Department", label: __("Department") },
				{ value: "Channel", label: __("Channel") },
				{ value: "Month", label: __("Month") },
			],
			default: "Institution",
			reqd: 1,
		},
		{ fieldname: "institution", label: __("Institution"), fieldtype: "Link", options: "HSQ Institution" },
		{ fieldname: "department", label: __("Department"), fieldtype: "Link", options: "HSQ Department" },
		{
			fieldname: "channel",
			label: __("Channel"),
			fieldtype: "Select",
			options: [
				"",
				"On-site",
				"Hotline",
				"12345 Hotline",
				"Letters and Visits",
				"Website",
				"WeChat",
				"Mailbox",
				"Satisfaction Survey",
				"Follow Up",
				"Bureau Referral",
				"Email",
			].map((value) => ({ value, label: value ? __(value) : "" })),
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "compliance" && data && data.compliance != null) {
			const color = data.compliance >= 95 ? "green" : data.compliance >= 80 ? "orange" : "red";
			value = `<span style="color: var(--${color}-600)">${value}</span>`;
		}
		return value;
	},
};

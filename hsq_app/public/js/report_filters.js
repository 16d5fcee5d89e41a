// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// The filters the app's script reports share, written once (loaded with the desk, before any report).
frappe.provide("hsq.filters");

// from_date / to_date with the report's own defaults
hsq.filters.period = (from, to, reqd = 1) => [
	{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: from, reqd },
	{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: to, reqd },
];

hsq.filters.institution = () => ({
	fieldname: "institution",
	label: __("Institution"),
	fieldtype: "Link",
	options: "HSQ Institution",
});

// a department of the institution chosen in the institution filter (any, without one)
hsq.filters.department = (fieldname = "department", label = __("Department")) => ({
	fieldname,
	label,
	fieldtype: "Link",
	options: "HSQ Department",
	get_query: () => {
		const institution = frappe.query_report.get_filter_value("institution");
		return institution ? { filters: { institution } } : {};
	},
});

// a Select of a DocType's field, with the options the DocType defines (sent at boot, translated)
hsq.filters.select = (doctype, fieldname, label) => ({
	fieldname,
	label,
	fieldtype: "Select",
	options: ["", ...(((frappe.boot.hsq_options || {})[doctype] || {})[fieldname] || [])]
		.filter((value, i, all) => all.indexOf(value) === i)
		.map((value) => ({ value, label: value ? __(value) : "" })),
});

// a Select of fixed choices, each shown translated: values are strings or [value, label] pairs
hsq.filters.choice = (fieldname, label, values, extra = {}) => ({
	fieldname,
	label,
	fieldtype: "Select",
	options: values.map((v) => (Array.isArray(v) ? { value: v[0], label: v[1] } : { value: v, label: __(v) })),
	...extra,
});

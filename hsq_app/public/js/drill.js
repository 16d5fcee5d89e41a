// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// Drill-down from a report's figure to the records behind it: the figure becomes a link to the
// DocType's list with the filters that make it up. The list applies the viewer's permissions, so
// a drill-down never shows more than the viewer may see.
frappe.provide("hsq");

hsq.list_url = function (doctype, filters) {
	const query = Object.entries(filters || {})
		.filter(([, v]) => v !== undefined && v !== null && v !== "")
		.map(([k, v]) => {
			const text = typeof v === "string" ? v : JSON.stringify(v);
			return `${encodeURIComponent(k)}=${encodeURIComponent(text)}`;
		});
	return `/app/${frappe.router.slug(doctype)}${query.length ? "?" + query.join("&") : ""}`;
};

// `formatted` is the cell as the default formatter rendered it; an empty or zero figure stays text.
hsq.drill = function (formatted, raw, doctype, filters) {
	if (raw === undefined || raw === null || raw === "" || raw === 0) return formatted;
	const title = __("Show the records behind this figure");
	return `<a class="hsq-drill" href="${hsq.list_url(doctype, filters)}" title="${title}">${formatted}</a>`;
};

// [from, to] of a month given as any date in it (YYYY-MM-DD)
hsq.month_range = function (day) {
	const m = moment(day, "YYYY-MM-DD");
	return [m.clone().startOf("month").format("YYYY-MM-DD"), m.clone().endOf("month").format("YYYY-MM-DD")];
};

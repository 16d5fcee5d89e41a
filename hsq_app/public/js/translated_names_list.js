// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// Lists of records whose names are words (complaint categories, SMS templates) show them in
// Chinese, as the links to them do (issue 13).
[
	["HSQ Complaint Category", "category_name"],
	["HSQ SMS Template", "template_name"],
].forEach(([doctype, field]) => {
	const settings = (frappe.listview_settings[doctype] = frappe.listview_settings[doctype] || {});
	// the ID column shows the name, which is the same word
	settings.formatters = Object.assign(settings.formatters || {}, {
		[field]: (value) => __(value || ""),
		name: (value) => __(value || ""),
	});
});

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// 我的待办 (issue 13): the user's open ToDos (not cancelled or closed ones), by deadline, and a
// ToDo opens the record it is about (the complaint), not the ToDo. Appended to Frappe's todo_list.js.

frappe.listview_settings["ToDo"] = Object.assign(frappe.listview_settings["ToDo"] || {}, {
	add_fields: ["reference_type", "reference_name", "date", "status"],
	filters: [
		["status", "=", "Open"],
		["allocated_to", "=", frappe.session.user],
	],
	onload(listview) {
		listview.page.set_title(__("My Worklist"));
		if (listview.sort_selector) listview.sort_selector.set_value("date", "asc");
	},
	get_form_link(doc) {
		if (doc.reference_type && doc.reference_name) {
			return `/app/${frappe.router.slug(doc.reference_type)}/${encodeURIComponent(doc.reference_name)}`;
		}
		return `/app/todo/${encodeURIComponent(doc.name)}`;
	},
});

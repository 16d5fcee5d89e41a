// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// A rule's ID ("Institution-Service Attitude-1") is a key, not something to read: the list shows
// the rule's action (its title) and its fields (issue 13).
frappe.listview_settings["HSQ Accountability Rule"] = Object.assign(
	frappe.listview_settings["HSQ Accountability Rule"] || {},
	{ hide_name_column: true }
);

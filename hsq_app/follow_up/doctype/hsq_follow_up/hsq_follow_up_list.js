// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.listview_settings["HSQ Follow Up"] = {
	add_fields: ["status", "due_date"],
	get_indicator(doc) {
		const colors = {
			Pending: "orange",
			Overdue: "red",
			Completed: "green",
			Unreachable: "gray",
			Refused: "gray",
		};
		return [__(doc.status, null, "HSQ Follow Up"), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};

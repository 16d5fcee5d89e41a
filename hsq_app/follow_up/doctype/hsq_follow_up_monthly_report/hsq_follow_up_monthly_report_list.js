// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.listview_settings["HSQ Follow Up Monthly Report"] = {
	add_fields: ["status", "is_late"],
	get_indicator(doc) {
		if (doc.status === "Draft" && doc.is_late) return [__("Late"), "red", "is_late,=,1"];
		const colors = { Draft: "orange", Submitted: "blue", Reviewed: "green" };
		return [__(doc.status), colors[doc.status], `status,=,${doc.status}`];
	},
};

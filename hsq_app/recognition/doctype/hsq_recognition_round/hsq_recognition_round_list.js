// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.listview_settings["HSQ Recognition Round"] = {
	onload(listview) {
		if (!frappe.user.has_role("HSQ Bureau Admin")) return;
		listview.page.add_inner_button(__("Start Last Quarter's Ranking"), () =>
			frappe
				.call({
					method: "hsq_app.recognition.doctype.hsq_recognition_round.hsq_recognition_round.create_rounds",
					type: "POST",
				})
				.then((r) => {
					frappe.show_alert({
						message: __("{0} rankings started", [(r.message || []).length]),
						indicator: "green",
					});
					listview.refresh();
				})
		);
	},
};

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ Discharge Import", {
	refresh(frm) {
		frm.add_custom_button(__("Download Template"), () => {
			window.open("/api/method/hsq_app.api.follow_up.download_import_template");
		});
		if (!frm.is_new() && ["Not Started", "Failed"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Start Import"), () =>
				frappe
					.xcall("hsq_app.api.follow_up.start_discharge_import", { name: frm.doc.name })
					.then((r) => {
						if (r && r.queued) {
							frappe.show_alert(__("The file is being imported in the background"));
						}
						frm.reload_doc();
					})
			).addClass("btn-primary");
		}
		if (frm.doc.status === "Queued") {
			frm.dashboard.set_headline_alert(__("Importing in the background; this page updates when it is done"));
		}
	},
	onload(frm) {
		frappe.realtime.on("progress", (data) => {
			if (data && data.percent === 100 && frm.doc.status === "Queued") {
				setTimeout(() => frm.reload_doc(), 1000);
			}
		});
	},
});

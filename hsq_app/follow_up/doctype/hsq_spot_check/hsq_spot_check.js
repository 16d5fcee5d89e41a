// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ Spot Check", {
	refresh(frm) {
		if (frm.is_new()) {
			frm.set_intro(
				__("The sample is drawn when you save: follow-ups completed in the month, at the rate for the institution's type.")
			);
			return;
		}
		if (frm.doc.rectification_task) {
			frm.add_custom_button(__("View Rectification Task"), () =>
				frappe.set_route("Form", frm.doc.rectification_doctype, frm.doc.rectification_task)
			);
		} else if (frm.doc.not_confirmed > 0 && frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(__("Raise Rectification Task"), () =>
				frappe
					.xcall("hsq_app.api.follow_up.raise_rectification", { spot_check_name: frm.doc.name })
					.then(() => frm.reload_doc())
			).addClass("btn-primary");
		}
	},
});

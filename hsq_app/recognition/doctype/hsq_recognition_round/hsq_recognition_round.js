// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ Recognition Round", {
	refresh(frm) {
		if (frm.is_new()) return;
		const institution_side = ["HSQ Institution Leader", "HSQ Institution Admin"].some((r) =>
			frappe.user.has_role(r)
		);
		if (frm.doc.status === "Nominated" && institution_side && !frappe.user.has_role("HSQ Bureau Admin")) {
			frm.add_custom_button(__("Confirm Nominations"), () =>
				frappe.confirm(__("Confirm the ticked service stars and model departments?"), () =>
					frm.call("confirm").then(() => frm.reload_doc())
				)
			).addClass("btn-primary");
		}
		if (frm.doc.status === "Confirmed by Institution" && frappe.user.has_role("HSQ Bureau Admin")) {
			frm.add_custom_button(__("Approve and Publish"), () =>
				frm.call("approve").then(() => frm.reload_doc())
			).addClass("btn-primary");
		}
	},
});

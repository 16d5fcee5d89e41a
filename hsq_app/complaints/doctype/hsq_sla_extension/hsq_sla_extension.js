// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ SLA Extension", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.status !== "Pending") return;
		if (!frappe.user.has_role("HSQ Institution Leader")) return;
		const decide = (method, label) =>
			frappe.prompt(
				{ fieldname: "note", fieldtype: "Small Text", label: __("Decision Note") },
				({ note }) =>
					frappe
						.call({ method, args: { extension: frm.doc.name, note } })
						.then(() => frm.reload_doc()),
				label,
				label
			);
		frm.add_custom_button(__("Approve"), () =>
			decide("hsq_app.complaints.sla.approve_extension", __("Approve"))
		);
		frm.add_custom_button(__("Reject"), () =>
			decide("hsq_app.complaints.sla.reject_extension", __("Reject"))
		);
	},
});

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ SLA Extension", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.status !== "Pending") return;
		if (!frappe.user.has_role("HSQ Institution Leader")) return;
		// the request decides itself: HSQSLAExtension.approve / reject (POST)
		const decide = (method, label) =>
			frappe.prompt(
				{ fieldname: "note", fieldtype: "Small Text", label: __("Decision Note") },
				({ note }) => frm.call(method, { note }).then(() => frm.reload_doc()),
				label,
				label
			);
		frm.add_custom_button(__("Approve"), () => decide("approve", __("Approve")));
		frm.add_custom_button(__("Reject"), () => decide("reject", __("Reject")));
	},
});

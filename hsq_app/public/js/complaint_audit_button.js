// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// "Audit Trail" on the complaint form, for the roles that may read it (hsq_app.complaints.audit).
// Included through hooks.doctype_js beside the form's own script.

const HSQ_AUDIT_ROLES = [
	"HSQ Bureau Inspector",
	"HSQ Bureau Admin",
	"HSQ Institution Leader",
	"HSQ Quality Officer",
	"System Manager",
];

frappe.ui.form.on("HSQ Complaint", {
	refresh(frm) {
		if (frm.is_new() || !HSQ_AUDIT_ROLES.some((role) => frappe.user.has_role(role))) return;
		frm.add_custom_button(__("Audit Trail"), () => frappe.set_route("complaint-audit", frm.doc.name));
	},
});

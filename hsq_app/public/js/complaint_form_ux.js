// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// Registering, working and printing a complaint (issue 13): the 登记表 prints from a button,
// 医疗机构 defaults to the user's own institution, phone numbers are checked as Chinese mobile or landline numbers before saving, and each field
// is editable only where the server's field policy (hsq_app.complaints.field_policy, sent at boot
// by hsq_app.install.desk) lets the user's roles edit it in the complaint's state; an empty field
// the user may not fill is not shown, so registering shows the registration fields only.

// as the server checks it (hsq_app.follow_up.imports.rows.normalize_phone)
const HSQ_PHONE = /^(?:\+?86)?(?:1[3-9]\d{9}|0\d{2,3}\d{7,8})$/;

function hsq_phone_ok(value) {
	return !value || HSQ_PHONE.test(String(value).replace(/[\s\-()（）]/g, ""));
}

function hsq_apply_field_policy(frm) {
	if (frappe.boot.hsq_policy_exempt || !frappe.boot.hsq_editable) return;
	const state = frm.doc.workflow_state || "Registered";
	const editable = new Set(frappe.boot.hsq_editable[state] || []);
	(frm.meta.fields || []).forEach((meta_df) => {
		const field = frm.fields_dict[meta_df.fieldname];
		if (!field || frappe.model.layout_fields.includes(meta_df.fieldtype)) return;
		if (meta_df.read_only || meta_df.hidden || ["Button", "HTML"].includes(meta_df.fieldtype)) return;
		frm.set_df_property(meta_df.fieldname, "read_only", editable.has(meta_df.fieldname) ? 0 : 1);
	});
}

frappe.ui.form.on("HSQ Complaint", {
	onload(frm) {
		const post = frappe.boot.hsq_post || {};
		if (frm.is_new() && !frm.doc.institution && post.institution) {
			frm.set_value("institution", post.institution);
		}
	},

	refresh(frm) {
		hsq_apply_field_policy(frm);
		// registering: the registration fields only (handling, deadlines and history come later)
		frm.toggle_display(["handling_section", "sla_section", "transfer_section", "repeat_section"], !frm.is_new());
		frm.toggle_display("reopen_count", cint(frm.doc.reopen_count) > 0);
		if (!frm.is_new() && frappe.model.can_print("HSQ Complaint", frm)) {
			// the 登记表 (the DocType's default print format)
			frm.add_custom_button(__("Print Handling Record"), () => frm.print_doc());
		}
	},

	complainant_phone(frm) {
		if (!hsq_phone_ok(frm.doc.complainant_phone)) {
			frappe.show_alert({ message: __("Enter a mobile number (11 digits) or a landline number with its area code"), indicator: "orange" });
		}
	},

	validate(frm) {
		if (!hsq_phone_ok(frm.doc.complainant_phone)) {
			frappe.throw(__("Complainant phone {0} is not a Chinese mobile or landline number", [frm.doc.complainant_phone]));
		}
	},
});

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// Fields an action needs (and may take), as hsq_app.complaints.workflow.ACTION_FIELDS says: the
// controller's onload sends them; the dialog asks for the missing ones before the action runs.

frappe.ui.form.on("HSQ Complaint", {
	setup(frm) {
		frm.set_query("department", () => ({ filters: { institution: frm.doc.institution, disabled: 0 } }));
		frm.set_query("staff_involved", () => ({ filters: { institution: frm.doc.institution } }));
	},

	refresh(frm) {
		frm.toggle_display(["complainant_name", "complainant_phone", "relation_to_patient"], !frm.doc.is_anonymous);
		if (frm.doc.deadline_is_provisional) {
			frm.dashboard.set_headline_alert(
				__("The deadline runs past the work calendar's covered dates and counts Monday to Friday only"),
				"orange"
			);
		}
		if (
			!frm.is_new() &&
			frappe.user.has_role("HSQ Bureau Admin") &&
			!["Closed", "Not Accepted"].includes(frm.doc.workflow_state)
		) {
			frm.add_custom_button(__("Transfer to Another Institution"), () => hsq_transfer(frm));
		}
	},

	is_anonymous(frm) {
		frm.trigger("refresh");
	},

	before_workflow_action(frm) {
		const action = frm.selected_workflow_action;
		const spec = ((frm.doc.__onload || {}).hsq_action_fields || {})[action];
		if (!spec) return;
		const [required, optional] = spec;
		const missing = [...required, ...optional].filter((f) => !frm.doc[f]);
		if (action === "Reopen" && frm.doc.complainant_feedback !== "Dissatisfied") missing.push("complainant_feedback");
		if (!missing.length || missing.every((f) => optional.includes(f))) return;
		frappe.dom.unfreeze();
		return new Promise((resolve, reject) => {
			const fields = [...new Set(missing)].map((f) => {
				const df = frappe.meta.get_docfield("HSQ Complaint", f, frm.doc.name);
				const field = {
					fieldname: f,
					label: __(df.label),
					fieldtype: df.fieldtype,
					options: df.options,
					reqd: !optional.includes(f),
					default: frm.doc[f],
				};
				if (f === "department") field.get_query = () => ({ filters: { institution: frm.doc.institution } });
				return field;
			});
			const dialog = new frappe.ui.Dialog({
				title: __(action),
				fields,
				primary_action_label: __(action),
				primary_action(values) {
					dialog.hide();
					frappe.dom.freeze();
					frappe
						.xcall("hsq_app.complaints.api.apply_action", {
							complaint: frm.doc.name,
							action,
							values,
						})
						.then(() => {
							frappe.dom.unfreeze();
							frm.reload_doc();
							// the action is done: stop Frappe's own apply_workflow call
							reject();
						})
						.catch(() => {
							frappe.dom.unfreeze();
							reject();
						});
				},
			});
			dialog.onhide = () => reject();
			dialog.show();
		});
	},
});

function hsq_transfer(frm) {
	frappe.prompt(
		[
			{
				fieldname: "to_institution",
				label: __("To Institution"),
				fieldtype: "Link",
				options: "HSQ Institution",
				reqd: 1,
				get_query: () => ({ filters: { name: ["!=", frm.doc.institution], institution_type: ["!=", "Bureau"] } }),
			},
			{ fieldname: "reason", label: __("Reason"), fieldtype: "Small Text", reqd: 1 },
		],
		(values) =>
			frappe
				.xcall("hsq_app.complaints.routing.transfer", { complaint: frm.doc.name, ...values })
				.then(() => frm.reload_doc()),
		__("Transfer to Another Institution"),
		__("Transfer")
	);
}

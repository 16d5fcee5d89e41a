// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ Rectification Task", {
	refresh(frm) {
		if (frm.doc.source_type === "Complaint" && frm.doc.source_name) {
			frm.add_custom_button(__("Source Complaint"), () =>
				frappe.set_route("Form", "HSQ Complaint", frm.doc.source_name)
			);
		}
		if (frm.doc.workflow_state === "Closed") {
			frm.set_intro(__("This rectification task is verified and closed; it can no longer change."));
		} else if (frm.doc.is_overdue) {
			frm.set_intro(__("This rectification task is past its deadline."), "red");
		}
	},
	before_workflow_action(frm) {
		// Return needs a reason: ask for it and save it before the transition runs
		if (frm.selected_workflow_action !== "Return" || frm.doc.return_reason) return;
		frappe.dom.unfreeze();
		return new Promise((resolve, reject) => {
			const d = frappe.prompt(
				{ fieldname: "reason", fieldtype: "Small Text", label: __("Return Reason"), reqd: 1 },
				(values) => {
					frappe.dom.freeze();
					frappe.db
						.set_value(frm.doctype, frm.docname, "return_reason", values.reason)
						.then(resolve, reject);
				},
				__("Return")
			);
			d.onhide = () => reject();
		});
	},
});

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

const HSQ_SUBMITTERS = ["HSQ Quality Officer", "HSQ Institution Leader", "HSQ Bureau Admin", "System Manager"];
const HSQ_REVIEWERS = ["HSQ Bureau Admin", "HSQ Bureau Inspector", "System Manager"];

frappe.ui.form.on("HSQ Follow Up Monthly Report", {
	refresh(frm) {
		if (frm.is_new()) return;
		const has = (roles) => roles.some((r) => frappe.user.has_role(r));
		const call = (method, args) =>
			frappe.xcall(`hsq_app.api.follow_up.${method}`, { name: frm.doc.name, ...args }).then(() =>
				frm.reload_doc()
			);
		if (frm.doc.is_late) {
			frm.dashboard.set_headline_alert(__("This report is late"), "red");
		}
		if (frm.doc.status === "Draft" && has(HSQ_SUBMITTERS)) {
			frm.add_custom_button(__("Recalculate"), () => call("recalculate_monthly_report"));
			frm.add_custom_button(__("Submit to the Bureau"), () =>
				frappe.confirm(__("Submit this report to the bureau? It cannot be changed afterwards."), () =>
					(frm.is_dirty() ? frm.save() : Promise.resolve()).then(() => call("submit_monthly_report"))
				)
			).addClass("btn-primary");
		}
		if (frm.doc.status === "Submitted" && has(HSQ_REVIEWERS)) {
			frm.add_custom_button(__("Mark Reviewed"), () =>
				frappe.prompt(
					{ fieldname: "comment", fieldtype: "Small Text", label: __("Review Comment") },
					(values) => call("review_monthly_report", { comment: values.comment || "" }),
					__("Mark Reviewed")
				)
			).addClass("btn-primary");
		}
	},
});

// The complaint form's link to its rectification tasks (整改台账), both ways.
frappe.ui.form.on("HSQ Complaint", {
	refresh(frm) {
		// roles without the ledger (the follow-up agent) get no panel, and no permission error
		if (frm.is_new() || !frappe.model.can_read("HSQ Rectification Task")) return;
		frappe
			.xcall("hsq_app.rectification.api.tasks_for", {
				source_type: "Complaint",
				source_name: frm.doc.name,
			})
			.then((tasks) => {
				(tasks || []).forEach((t) => {
					frm.add_custom_button(
						`${t.name} · ${__(t.workflow_state || "Open")}`,
						() => frappe.set_route("Form", "HSQ Rectification Task", t.name),
						__("Rectification Tasks")
					);
				});
			});
		if (frappe.model.can_create("HSQ Rectification Task")) {
			frm.add_custom_button(
				__("New Rectification Task"),
				() =>
					frappe.new_doc("HSQ Rectification Task", {
						source_type: "Complaint",
						source_name: frm.doc.name,
						institution: frm.doc.institution,
						responsible_department: frm.doc.department,
						category: frm.doc.category,
					}),
				__("Rectification Tasks")
			);
		}
	},
});

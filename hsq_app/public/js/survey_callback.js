// HSQ Survey Callback: record the call back, or turn the answer into a complaint in one step.
frappe.ui.form.on("HSQ Survey Callback", {
	refresh(frm) {
		if (frm.doc.status !== "Open" || !frm.perm[0] || !frm.perm[0].write) return;
		frm.add_custom_button(__("Record Call Back"), () => {
			frappe.prompt(
				{ fieldname: "result", fieldtype: "Small Text", reqd: 1, label: __("What the Patient Said and What Was Done") },
				(v) => frm.call("complete", { result: v.result }).then(() => frm.reload_doc()),
				__("Record Call Back")
			);
		});
		frm.add_custom_button(__("Turn into Complaint"), () =>
			frm.call("raise_complaint").then((r) => {
				frappe.show_alert({ message: __("Complaint {0} registered", [r.message]), indicator: "green" });
				frappe.set_route("Form", "HSQ Complaint", r.message);
			})
		);
	},
});

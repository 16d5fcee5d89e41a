// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ Accountability Record", {
	refresh(frm) {
		if (frm.doc.status !== "Proposed" || !frappe.user.has_role("HSQ Bureau Admin")) return;
		// the record decides itself: HSQAccountabilityRecord.approve / dismiss (POST)
		const decide = (method, args) => frm.call(method, args).then(() => frm.reload_doc());
		frm.add_custom_button(__("Approve"), () =>
			frappe.confirm(__("Approve this accountability action?"), () => decide("approve", {}))
		);
		frm.add_custom_button(__("Dismiss Record"), () =>
			frappe.prompt(
				{ fieldname: "reason", fieldtype: "Small Text", label: __("Dismiss Reason"), reqd: 1 },
				(v) => decide("dismiss", { reason: v.reason }),
				__("Dismiss Record")
			)
		);
	},
});

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ Work Calendar", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.covered_until) return;
		const days = frappe.datetime.get_diff(frm.doc.covered_until, frappe.datetime.get_today());
		if (days < 60) {
			frm.dashboard.set_headline_alert(
				__(
					"Entered up to {0}: later deadlines count Monday to Friday only. Enter next year's holidays and make-up workdays (the State Council publishes them around November) and move Covered Until.",
					[frappe.datetime.str_to_user(frm.doc.covered_until)]
				),
				days < 0 ? "red" : "orange"
			);
		}
	},
});

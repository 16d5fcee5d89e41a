// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("HSQ Follow Up", {
	refresh(frm) {
		if (frm.is_new()) return;
		const can_write = frm.perm[0] && frm.perm[0].write;
		if (frm.doc.patient_phone) {
			frm.add_custom_button(__("Call {0}", [frm.doc.patient_phone]), () => {
				window.location.href = `tel:${frm.doc.patient_phone}`;
			});
		}
		if (frm.doc.complaint) {
			frm.add_custom_button(__("View Complaint"), () =>
				frappe.set_route("Form", "HSQ Complaint", frm.doc.complaint)
			);
		} else if (can_write && frm.doc.issue_found) {
			frm.add_custom_button(__("Turn into Complaint"), () => frm.events.make_complaint(frm)).addClass(
				"btn-primary"
			);
		}
		if (can_write && !(frm.doc.scores || []).length && frm.doc.questionnaire_template) {
			frm.events.prefill_scores(frm);
		}
	},

	questionnaire_template(frm) {
		frm.events.prefill_scores(frm);
	},

	prefill_scores(frm) {
		if (!frm.doc.questionnaire_template) return;
		frappe
			.xcall("hsq_app.api.follow_up.template_dimensions", {
				template: frm.doc.questionnaire_template,
			})
			.then((dimensions) => {
				const have = new Set((frm.doc.scores || []).map((r) => r.dimension));
				dimensions
					.filter((d) => !have.has(d))
					.forEach((dimension) => frm.add_child("scores", { dimension, score: 0 }));
				frm.refresh_field("scores");
			});
	},

	make_complaint(frm) {
		const go = () =>
			frappe
				.xcall("hsq_app.api.follow_up.make_complaint", { follow_up: frm.doc.name })
				.then((name) => {
					frappe.show_alert({ message: __("Complaint {0} created", [name]), indicator: "green" });
					frm.reload_doc();
				});
		if (frm.is_dirty()) {
			frm.save().then(go);
		} else {
			go();
		}
	},
});

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// The agent's call form (issue 13): one click per score (1-5 buttons per dimension of the
// questionnaire and for overall satisfaction), one click to record how the call ended, and no
// "Not Saved" before the agent changes anything (the server adds the questionnaire's rows on save).

const HSQ_OUTCOMES = [
	["Completed", "Call Completed", "btn-primary"],
	["Unreachable", "Unreachable", ""],
	["Refused", "Refused", ""],
];

frappe.ui.form.on("HSQ Follow Up", {
	refresh(frm) {
		// the buttons below enter the scores; the table and the number stay for reports and REST
		frm.toggle_display(["scores", "overall_satisfaction"], false);
		frm.events.render_scores(frm);
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
		if (can_write && ["Pending", "Overdue"].includes(frm.doc.status)) {
			HSQ_OUTCOMES.forEach(([status, label]) =>
				frm.add_custom_button(__(label), () => frm.events.finish(frm, status), __("Call Outcome"))
			);
		}
	},

	questionnaire_template(frm) {
		frm.events.render_scores(frm);
	},

	overall_satisfaction(frm) {
		frm.events.render_scores(frm);
	},

	finish(frm, status) {
		frm.set_value("status", status);
		if (!frm.doc.attempts) frm.set_value("attempts", 1);
		frm.save().then(() =>
			frappe.show_alert({ message: __("Follow-up {0}: {1}", [frm.doc.name, __(frm.doc.status)]), indicator: "green" })
		);
	},

	// 1-5 buttons for each dimension of the questionnaire and for overall satisfaction
	render_scores(frm) {
		const wrapper = frm.fields_dict.score_buttons && frm.fields_dict.score_buttons.$wrapper;
		if (!wrapper) return;
		const can_write = frm.is_new() || (frm.perm[0] && frm.perm[0].write);
		const dimensions = frm.doc.questionnaire_template
			? frappe.xcall("hsq_app.api.follow_up.template_dimensions", { template: frm.doc.questionnaire_template })
			: Promise.resolve([]);
		dimensions.then((names) => {
			const rows = (frm.doc.scores || []).map((r) => r.dimension);
			const all = [...new Set([...names, ...rows])];
			const score_of = (d) => ((frm.doc.scores || []).find((r) => r.dimension === d) || {}).score || 0;
			const line = (key, label, value) => `
				<div class="hsq-score-row" data-dimension="${frappe.utils.escape_html(key)}">
					<span class="hsq-score-label">${frappe.utils.escape_html(label)}</span>
					${[1, 2, 3, 4, 5]
						.map(
							(n) => `<button type="button" class="btn btn-xs ${n === value ? "btn-primary" : "btn-default"}"
								data-score="${n}" ${can_write ? "" : "disabled"}>${n}</button>`
						)
						.join(" ")}
				</div>`;
			wrapper.html(`
				<div class="hsq-scores">
					${line("__overall", __("Overall Satisfaction (1-5)"), frm.doc.overall_satisfaction || 0)}
					${all.map((d) => line(d, __(d), score_of(d))).join("")}
				</div>
				<style>.hsq-score-row{display:flex;gap:6px;align-items:center;margin:4px 0}
				.hsq-score-label{min-width:10em}</style>`);
			wrapper.find("button[data-score]").on("click", (e) => {
				const $b = $(e.currentTarget);
				frm.events.set_score(frm, $b.closest(".hsq-score-row").attr("data-dimension"), cint($b.attr("data-score")));
			});
		});
	},

	set_score(frm, dimension, score) {
		if (dimension === "__overall") {
			frm.set_value("overall_satisfaction", score);
			return;
		}
		const row = (frm.doc.scores || []).find((r) => r.dimension === dimension) || frm.add_child("scores", { dimension });
		frappe.model.set_value(row.doctype, row.name, "score", score).then(() => {
			frm.refresh_field("scores");
			frm.events.render_scores(frm);
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

// HSQ Department / HSQ Institution: the survey code's QR poster, and regenerating the code.
(() => {
	const regenerate = (frm, field, label) => {
		frm.add_custom_button(
			__(label),
			() =>
				frappe.confirm(__("The old code and every poster printed with it stop working. Continue?"), () =>
					frappe
						.call({
							method: "hsq_app.survey.codes.regenerate",
							args: { doctype: frm.doctype, name: frm.doc.name, field },
						})
						.then(() => frm.reload_doc())
				),
			__("Satisfaction Surveys")
		);
	};
	const setup = {
		refresh(frm) {
			if (frm.is_new() || !frm.doc.survey_code) return;
			frm.add_custom_button(
				__("QR Poster"),
				() => {
					const url =
						"/api/method/hsq_app.survey.poster.download?" +
						new URLSearchParams({ doctype: frm.doctype, name: frm.doc.name });
					window.open(url);
				},
				__("Satisfaction Surveys")
			);
			if (frm.perm[0] && frm.perm[0].write) {
				regenerate(frm, "survey_code", "Regenerate Survey Code");
				if (frm.doctype === "HSQ Institution") {
					regenerate(frm, "staff_survey_code", "Regenerate Staff Survey Code");
				}
			}
		},
	};
	frappe.ui.form.on("HSQ Department", setup);
	frappe.ui.form.on("HSQ Institution", setup);
})();

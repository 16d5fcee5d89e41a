// SLA indicators for HSQ Complaint (issue: SLA clocks on Chinese working days).
//
// Form: loaded with the desk (app_include_js), it adds to every HSQ Complaint form an indicator
// with the working hours left, a note when the deadline is provisional, and the Pause / Resume /
// Request Extension buttons for the people handling the complaint.
//
// List: hsq_complaint_list.js (the complaint owner's file) uses the helpers below:
//   frappe.listview_settings["HSQ Complaint"] = {
//     add_fields: hsq.sla.list_fields,
//     formatters: { sla_status: hsq.sla.format_status },
//     refresh: (listview) => hsq.sla.decorate_list(listview),
//   };

frappe.provide("hsq.sla");

hsq.sla.COLORS = {
	"On Track": "green",
	Warning: "orange",
	Breached: "red",
	Met: "blue",
	Paused: "gray",
};

hsq.sla.list_fields = ["sla_status", "resolve_by", "escalation_level", "deadline_is_provisional"];

hsq.sla.hours_text = (hours) => {
	if (hours == null) return "";
	const h = Math.abs(hours).toFixed(1);
	return hours < 0 ? __("{0} working hours overdue", [h]) : __("{0} working hours left", [h]);
};

hsq.sla.pill = (status, extra) => {
	if (!status) return "";
	const color = hsq.sla.COLORS[status] || "gray";
	const title = extra ? ` title="${frappe.utils.escape_html(extra)}"` : "";
	return `<span class="indicator-pill ${color} filterable" data-filter="sla_status,=,${status}"${title}>
		${__(status)}</span>`;
};

hsq.sla.indicator = (doc) =>
	doc.sla_status
		? [__(doc.sla_status), hsq.sla.COLORS[doc.sla_status] || "gray", `sla_status,=,${doc.sla_status}`]
		: null;

hsq.sla.format_status = (value, df, doc) => hsq.sla.pill(value, doc && doc.resolve_by);

// After the list renders: add "x working hours left" beside each open complaint's SLA pill.
hsq.sla.decorate_list = (listview) => {
	const names = (listview.data || []).map((d) => d.name);
	if (!names.length) return;
	frappe
		.xcall("hsq_app.complaints.sla.desk.get_time_left", { names })
		.then((left) => {
			for (const [name, hours] of Object.entries(left || {})) {
				if (hours == null) continue;
				const $row = listview.$result.find(`.list-row-checkbox[data-name="${CSS.escape(name)}"]`);
				const $pill = $row.closest(".list-row").find(".indicator-pill[data-filter^='sla_status']");
				$pill.next(".hsq-sla-left").remove();
				$pill.after(
					`<span class="hsq-sla-left text-muted small" style="margin-left: 4px">${hsq.sla.hours_text(
						hours
					)}</span>`
				);
			}
		});
};

hsq.sla.render_form = (frm) => {
	if (frm.is_new()) return;
	frappe
		.xcall("hsq_app.complaints.sla.desk.get_sla_summary", { complaint: frm.doc.name })
		.then((s) => {
			if (!s || !s.sla_status) return;
			const left = hsq.sla.hours_text(s.hours_left);
			frm.dashboard.add_indicator(
				[__("SLA"), __(s.sla_status), left].filter(Boolean).join(" · "),
				hsq.sla.COLORS[s.sla_status] || "gray"
			);
			if (s.escalation_level) {
				frm.dashboard.add_indicator(__("Escalated to level {0}", [s.escalation_level]), "red");
			}
			if (s.deadline_is_provisional) {
				frm.dashboard.set_headline_alert(
					__(
						"The deadline runs past {0}, the last date of the work calendar: it counts Monday to Friday only and is provisional.",
						[frappe.datetime.str_to_user(s.covered_until)]
					),
					"orange"
				);
			}
			hsq.sla.add_buttons(frm, s);
		});
};

hsq.sla.add_buttons = (frm, s) => {
	if (!s.can_pause) return;
	const group = __("SLA");
	if (s.paused_since) {
		frm.add_custom_button(
			__("Resume Clock"),
			() =>
				frappe
					.xcall("hsq_app.complaints.sla.desk.resume", { complaint: frm.doc.name })
					.then(() => frm.reload_doc()),
			group
		);
	} else if (s.pausable) {
		frm.add_custom_button(
			__("Pause Clock"),
			() =>
				frappe.prompt(
					{
						fieldname: "reason",
						fieldtype: "Small Text",
						label: __("Waiting on the complainant for"),
						reqd: 1,
					},
					({ reason }) =>
						frappe
							.xcall("hsq_app.complaints.sla.desk.pause", { complaint: frm.doc.name, reason })
							.then(() => frm.reload_doc()),
					__("Pause Clock"),
					__("Pause Clock")
				),
			group
		);
	}
	if (!s.pending_extension && s.hours_left != null) {
		frm.add_custom_button(
			__("Request Extension"),
			() =>
				frappe.prompt(
					[
						{ fieldname: "requested_days", fieldtype: "Float", label: __("Requested Days"), reqd: 1 },
						{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
					],
					(values) =>
						frappe.db
							.insert({ doctype: "HSQ SLA Extension", complaint: frm.doc.name, ...values })
							.then(() => {
								frappe.show_alert({ message: __("Extension requested"), indicator: "green" });
								frm.reload_doc();
							}),
					__("Request Extension"),
					__("Submit")
				),
			group
		);
	}
};

frappe.ui.form.on("HSQ Complaint", {
	refresh(frm) {
		hsq.sla.render_form(frm);
	},
});

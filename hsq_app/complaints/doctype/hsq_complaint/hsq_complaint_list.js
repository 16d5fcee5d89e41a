// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

const HSQ_STATE_COLORS = {
	Registered: "blue",
	Dispatched: "cyan",
	Accepted: "cyan",
	"In Progress": "orange",
	"Pending Approval": "yellow",
	Resolved: "green",
	Closed: "gray",
	"Not Accepted": "darkgrey",
};

frappe.listview_settings["HSQ Complaint"] = {
	add_fields: ["workflow_state", ...((window.hsq && hsq.sla && hsq.sla.list_fields) || ["sla_status", "resolve_by"])],
	has_indicator_for_draft: true,
	get_indicator(doc) {
		if (["Breached", "Warning"].includes(doc.sla_status) && !["Closed", "Not Accepted", "Resolved"].includes(doc.workflow_state)) {
			const color = doc.sla_status === "Breached" ? "red" : "orange";
			return [`${__(doc.workflow_state)} · ${__(doc.sla_status)}`, color, `sla_status,=,${doc.sla_status}`];
		}
		return [__(doc.workflow_state), HSQ_STATE_COLORS[doc.workflow_state] || "gray", `workflow_state,=,${doc.workflow_state}`];
	},
	formatters: {
		resolve_by(value) {
			return value ? frappe.datetime.comment_when(value) : "";
		},
		sla_status(value, df, doc) {
			return window.hsq && hsq.sla ? hsq.sla.format_status(value, df, doc) : __(value || "");
		},
	},
	onload(listview) {
		// officers find a case by the caller's phone number or the patient's tracking code (issue 13)
		if (!["HSQ Quality Officer", "HSQ Bureau Admin"].some((r) => frappe.user.has_role(r))) return;
		// a plain input, not a page field: clearing the list's filters would empty (and re-fire) it
		const $input = $(`<div class="form-group frappe-control col-md-2 hsq-lookup">
			<input type="text" class="form-control input-xs" autocomplete="off">
		</div>`)
			.appendTo(listview.page.page_form)
			.find("input")
			.attr("placeholder", __("Phone or Tracking Code"));
		$input.on("change", () => {
			const text = ($input.val() || "").trim();
			const found = text
				? frappe.xcall("hsq_app.complaints.api.search_by_phone_or_code", { text })
				: Promise.resolve(null);
			found.then((names) =>
				listview.filter_area.remove("name").then(() => {
					if (names) listview.filter_area.add([["HSQ Complaint", "name", "in", names.length ? names : [""]]]);
				})
			);
		});
	},
	refresh(listview) {
		if (window.hsq && hsq.sla && hsq.sla.decorate_list) hsq.sla.decorate_list(listview);
	},
};

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// Platform work orders (签收 / 退单 / 延期申请) and repeat complaints (earlier reports, merge) on the
// complaint form. The server checks every action (hsq_app.api.platform, hsq_app.complaints.repeats).

const HSQ_ORDER_ROLES = ["HSQ Quality Officer", "HSQ Bureau Admin"];
const HSQ_OPEN = ["Registered", "Dispatched", "Accepted", "In Progress", "Pending Approval"];

function hsq_call(method, args, frm) {
	return frappe.call({ method, args, freeze: true }).then(() => frm.reload_doc());
}

frappe.ui.form.on("HSQ Complaint", {
	refresh(frm) {
		if (frm.is_new()) return;
		const officer = HSQ_ORDER_ROLES.some((role) => frappe.user.has_role(role));
		const doc = frm.doc;
		if (officer && doc.platform && !doc.merged_into && HSQ_OPEN.includes(doc.workflow_state)) {
			const group = __("Platform");
			if (!doc.platform_signed_at && doc.platform_status !== "Sent Back") {
				frm.add_custom_button(__("Sign For"), () =>
					hsq_call("hsq_app.api.platform.sign_for", { complaint: doc.name }, frm), group);
				frm.add_custom_button(__("Send Back"), () =>
					frappe.prompt({ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
						(v) => hsq_call("hsq_app.api.platform.send_back", { complaint: doc.name, reason: v.reason }, frm),
						__("Send Back")), group);
			}
			frm.add_custom_button(__("Request Extension"), () =>
				frappe.prompt([
					{ fieldname: "days", fieldtype: "Int", label: __("Days"), reqd: 1 },
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
				], (v) => hsq_call("hsq_app.api.platform.request_extension",
					{ complaint: doc.name, days: v.days, reason: v.reason }, frm), __("Request Extension")), group);
		}
		if (doc.repeat_of || doc.repeat_count) {
			frappe.call("hsq_app.complaints.repeats.related", { complaint: doc.name }).then((r) => {
				const rows = (r.message || []).map((c) =>
					`<li><a href="/app/hsq-complaint/${encodeURIComponent(c.name)}">${frappe.utils.escape_html(c.name)}</a>
					${frappe.utils.escape_html(frappe.datetime.str_to_user(c.received_at))}
					${frappe.utils.escape_html(__(c.channel || ""))} · ${frappe.utils.escape_html(__(c.workflow_state || ""))}</li>`);
				if (rows.length) {
					frm.dashboard.set_headline_alert(
						`<div>${__("Repeat complaint: earlier reports")}<ul>${rows.join("")}</ul></div>`, "orange");
				}
			});
		}
		if (officer && doc.repeat_of && !doc.merged_into && HSQ_OPEN.includes(doc.workflow_state)) {
			frm.add_custom_button(__("Merge Duplicate"), () =>
				frappe.confirm(__("Merge Duplicate") + ": " + doc.name + " → " + doc.repeat_of, () =>
					hsq_call("hsq_app.complaints.repeats.merge_duplicate",
						{ complaint: doc.name, into: doc.repeat_of }, frm)));
		}
	},
});

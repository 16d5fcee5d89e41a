// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// Fields an action needs (and may take), as hsq_app.complaints.workflow.ACTION_FIELDS says: the
// controller's onload sends them; the dialog asks for the missing ones before the action runs.

frappe.ui.form.on("HSQ Complaint", {
	setup(frm) {
		frm.set_query("department", () => ({ filters: { institution: frm.doc.institution, disabled: 0 } }));
		frm.set_query("staff_involved", () => ({ filters: { institution: frm.doc.institution } }));
	},

	refresh(frm) {
		frm.toggle_display(["complainant_name", "complainant_phone", "relation_to_patient"], !frm.doc.is_anonymous);
		if (frm.doc.deadline_is_provisional) {
			frm.dashboard.set_headline_alert(
				__("The deadline runs past the work calendar's covered dates and counts Monday to Friday only"),
				"orange"
			);
		}
		if (
			!frm.is_new() &&
			frappe.user.has_role("HSQ Bureau Admin") &&
			!["Closed", "Not Accepted"].includes(frm.doc.workflow_state)
		) {
			frm.add_custom_button(__("Transfer to Another Institution"), () => hsq_transfer(frm));
		}
	},

	is_anonymous(frm) {
		frm.trigger("refresh");
	},

	before_workflow_action(frm) {
		const action = frm.selected_workflow_action;
		frm.hsq_last_action = action; // Frappe clears selected_workflow_action before after_workflow_action
		const onload = frm.doc.__onload || {};
		const spec = (onload.hsq_action_fields || {})[action];
		if (!spec) return;
		const [required, optional] = spec;
		const choose = (onload.hsq_choose_fields || {})[action] || [];
		const missing = [...required, ...optional].filter((f) => !frm.doc[f]);
		if (action === "Reopen" && frm.doc.complainant_feedback !== "Dissatisfied") missing.push("complainant_feedback");
		if (!choose.length && (!missing.length || missing.every((f) => optional.includes(f)))) return;
		frappe.dom.unfreeze();
		return new Promise((resolve, reject) => {
			hsq_action_fields(frm, [...new Set([...choose, ...missing])], optional, choose).then((fields) =>
				hsq_action_dialog(frm, action, fields, reject)
			);
		});
	},

	after_workflow_action(frm) {
		if (frm.hsq_last_action) hsq_action_done(frm.hsq_last_action, frm.doc);
	},
});

// "受理：投诉 TS-2026-00012 现为 已受理" after every workflow action
function hsq_action_done(action, doc) {
	frappe.show_alert(
		{ message: __("{0}: complaint {1} is now {2}", [__(action), doc.name, __(doc.workflow_state)]), indicator: "green" },
		7
	);
}

// the dialog's fields; a handler to choose is a list of the department's handlers (routing proposal first)
function hsq_action_fields(frm, fieldnames, optional, choose) {
	const make = (f) => {
		const df = frappe.meta.get_docfield("HSQ Complaint", f, frm.doc.name);
		const field = {
			fieldname: f,
			label: __(df.label),
			fieldtype: df.fieldtype,
			options: df.options,
			reqd: !optional.includes(f) || choose.includes(f),
			default: frm.doc[f],
		};
		if (f === "department") field.get_query = () => ({ filters: { institution: frm.doc.institution } });
		return field;
	};
	const fields = fieldnames.map(make);
	const handler = fields.find((f) => f.fieldname === "handler");
	if (!handler || !frm.doc.department) return Promise.resolve(fields);
	return frappe
		.xcall("hsq_app.complaints.api.get_handler_choices", { complaint: frm.doc.name })
		.then(({ choices, proposed }) => {
			const me = choices.find((c) => c.value === frappe.session.user);
			Object.assign(handler, {
				fieldtype: "Select",
				options: [{ value: "", label: "" }, ...choices],
				default: proposed || (me && me.value) || "",
				description: proposed ? __("Proposed by the routing rule") : "",
			});
			return fields;
		});
}

function hsq_action_dialog(frm, action, fields, reject) {
	const dialog = new frappe.ui.Dialog({
		title: __(action),
		fields,
		primary_action_label: __(action),
		primary_action(values) {
			dialog.hide();
			frappe.dom.freeze();
			frappe
				.xcall("hsq_app.complaints.api.apply_action", {
					complaint: frm.doc.name,
					action,
					values,
				})
				.then((r) => {
					frappe.dom.unfreeze();
					hsq_action_done(action, { name: frm.doc.name, workflow_state: r.workflow_state });
					frm.reload_doc();
					// the action is done: stop Frappe's own apply_workflow call
					reject();
				})
				.catch(() => {
					frappe.dom.unfreeze();
					reject();
				});
		},
	});
	dialog.onhide = () => reject();
	dialog.show();
}

function hsq_transfer(frm) {
	frappe.prompt(
		[
			{
				fieldname: "to_institution",
				label: __("To Institution"),
				fieldtype: "Link",
				options: "HSQ Institution",
				reqd: 1,
				get_query: () => ({ filters: { name: ["!=", frm.doc.institution], institution_type: ["!=", "Bureau"] } }),
			},
			{ fieldname: "reason", label: __("Reason"), fieldtype: "Small Text", reqd: 1 },
		],
		(values) =>
			frappe
				.xcall("hsq_app.complaints.routing.transfer", { complaint: frm.doc.name, ...values })
				.then(() => frm.reload_doc()),
		__("Transfer to Another Institution"),
		__("Transfer")
	);
}

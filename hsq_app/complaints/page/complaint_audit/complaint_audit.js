// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// A complaint's full history on one page, read-only: /app/complaint-audit/<complaint>.
// The page offers no control that changes anything; the complaint selector only navigates.

frappe.pages["complaint-audit"].on_page_load = (wrapper) => {
	frappe.ui.make_app_page({ parent: wrapper, title: __("Complaint Audit Trail"), single_column: true });
	wrapper.hsq_audit = new HSQComplaintAudit(wrapper);
	$(wrapper).on("show", () => wrapper.hsq_audit.show(frappe.get_route()[1]));
};

class HSQComplaintAudit {
	constructor(wrapper) {
		this.page = wrapper.page;
		this.complaint_field = this.page.add_field({
			fieldname: "complaint",
			label: __("Complaint"),
			fieldtype: "Link",
			options: "HSQ Complaint",
			change: () => {
				const value = this.complaint_field.get_value();
				if (value && value !== this.current) frappe.set_route("complaint-audit", value);
			},
		});
		this.$body = $(`<div class="hsq-audit"></div>`).appendTo(this.page.main);
	}

	show(name) {
		name = name ? decodeURIComponent(name) : frappe.route_options?.complaint;
		if (!name) {
			this.current = null;
			this.$body.html(
				`<p class="text-muted hsq-audit-empty">${__("Choose a complaint to see its audit trail")}</p>`
			);
			return;
		}
		this.current = name;
		this.complaint_field.set_value(name);
		this.$body.html(`<p class="text-muted">${__("Loading...")}</p>`);
		frappe
			.xcall("hsq_app.complaints.audit.get_history", { complaint: name })
			.then((h) => this.render(h))
			.catch(() =>
				this.$body.html(`<p class="text-danger">${__("The audit trail could not be loaded")}</p>`)
			);
	}

	render(h) {
		const c = h.complaint;
		const e = (v) => frappe.utils.escape_html(v == null ? "" : String(v));
		const when = (v) => (v ? e(frappe.datetime.str_to_user(v)) : "");
		const text = (v) => e(strip_html(v || ""));
		const table = (id, title, headers, rows) => `
			<div class="hsq-audit-section frappe-card p-3 mb-3" id="hsq-audit-${id}">
				<h5>${title} <span class="text-muted small">(${rows.length})</span></h5>
				${
					rows.length
						? `<table class="table table-sm table-bordered mb-0">
							<thead><tr>${headers.map((x) => `<th>${x}</th>`).join("")}</tr></thead>
							<tbody>${rows.map((r) => `<tr>${r.map((x) => `<td>${x}</td>`).join("")}</tr>`).join("")}</tbody>
						</table>`
						: `<p class="text-muted mb-0">${__("No records")}</p>`
				}
			</div>`;
		const changes = (v) =>
			[
				...v.changes.map((x) => `${e(x.label)}: <s>${e(x.old)}</s> → ${e(x.new)}`),
				...v.table_changes.map((x) => `${e(x.table)}: ${e(x.change)}`),
			].join("<br>") || (v.created ? __("Record created") : "");

		this.$body.html(`
			<div class="hsq-audit-summary frappe-card p-3 mb-3" data-complaint="${e(c.name)}">
				<h4 class="mb-2">${e(c.name)} <span class="indicator-pill blue">${e(c.workflow_state_label)}</span></h4>
				<div class="row">
					<div class="col-sm-4">${__("Institution")}: ${e(c.institution)}</div>
					<div class="col-sm-4">${__("Department")}: ${e(c.department)}</div>
					<div class="col-sm-4">${__("Category")}: ${e(__(c.category || ""))}</div>
					<div class="col-sm-4">${__("Channel")}: ${e(__(c.channel || ""))}</div>
					<div class="col-sm-4">${__("Severity")}: ${e(__(c.severity || ""))}</div>
					<div class="col-sm-4">${__("Received At")}: ${when(c.received_at)}</div>
				</div>
				<p class="text-muted small mt-2 mb-0">${__(
					"Read-only audit view: nothing on this page changes the complaint."
				)}</p>
			</div>
			${table(
				"transitions",
				__("Workflow Transitions"),
				[__("Time"), __("User"), __("Workflow Action"), __("From State"), __("To State")],
				h.transitions.map((t) => [when(t.at), e(t.by), e(t.action), e(t.from_state), e(t.to_state)])
			)}
			${table(
				"versions",
				__("Field Changes"),
				[__("Time"), __("User"), __("Changed Fields")],
				h.versions.map((v) => [when(v.at), e(v.by), changes(v)])
			)}
			${table(
				"workflow-comments",
				__("Workflow Comments"),
				[__("Time"), __("User"), __("Comment Text")],
				h.workflow_comments.map((x) => [when(x.at), e(x.by), text(x.content)])
			)}
			${table(
				"comments",
				__("Comments and Notes"),
				[__("Time"), __("User"), __("Type"), __("Comment Text")],
				h.comments.map((x) => [when(x.at), e(x.by), e(x.type_label), text(x.content)])
			)}
			${table(
				"transfers",
				__("Transfers"),
				[__("Time"), __("User"), __("From Institution"), __("To Institution"), __("Reason")],
				h.transfers.map((x) => [
					when(x.transferred_at),
					e(x.transferred_by),
					e(x.from_institution),
					e(x.to_institution),
					e(x.reason),
				])
			)}
			${table(
				"escalations",
				__("Escalations"),
				[__("Escalated At"), __("Level"), __("Notified")],
				h.escalations.map((x) => [when(x.escalated_at), e(x.level), e(x.notified)])
			)}
			${table(
				"assignments",
				__("Worklist Assignments"),
				[__("Assigned At"), __("Assignee"), __("Assigner"), __("Status"), __("Last Change")],
				h.assignments.map((x) => [
					when(x.creation),
					e(x.allocated_to),
					e(x.assigned_by),
					e(__(x.status)),
					when(x.modified),
				])
			)}
			${table(
				"access-log",
				__("Views of Personal Data"),
				[__("Time"), __("User"), __("Access Method")],
				h.access_log.map((x) => [when(x.creation), e(x.user), e(__(x.method || ""))])
			)}
		`);
	}
}

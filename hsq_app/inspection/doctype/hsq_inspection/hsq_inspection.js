// HSQ Inspection: the checklist as cards an inspector fills in on a phone, with an offline draft.
//
// Every answer typed on a card is written to the form (saved with it) and, at once, to the
// browser's localStorage: if the connection drops or the tab is closed before saving, opening the
// visit again restores the answers (as long as the visit was not saved since, elsewhere).

const HSQ_INSPECTION_DRAFT = "hsq-inspection-draft:";
const HSQ_RESULT_LABELS = { Pass: __("Pass"), Fail: __("Fail"), "Not Applicable": __("Not Applicable") };

frappe.ui.form.on("HSQ Inspection", {
	setup(frm) {
		frm.set_query("template", () => ({ filters: { is_active: 1 } }));
	},

	refresh(frm) {
		frm.toggle_display("items", false);
		hsq_inspection.restore_draft(frm);
		hsq_inspection.render(frm);
		hsq_inspection.buttons(frm);
	},

	after_save(frm) {
		hsq_inspection.clear_draft(frm);
	},
});

const hsq_inspection = {
	editable(frm) {
		return !frm.is_new() && frm.doc.status === "Draft" && frm.perm[0] && frm.perm[0].write;
	},

	key(frm) {
		return HSQ_INSPECTION_DRAFT + frm.doc.name;
	},

	read_draft(frm) {
		try {
			return JSON.parse(localStorage.getItem(hsq_inspection.key(frm)) || "null");
		} catch (e) {
			return null;
		}
	},

	write_draft(frm) {
		const rows = {};
		(frm.doc.items || []).forEach((r) => {
			rows[r.name] = {
				result: r.result || "",
				count: r.count || 0,
				score: r.score || 0,
				note: r.note || "",
				department: r.department || "",
			};
		});
		try {
			localStorage.setItem(
				hsq_inspection.key(frm),
				JSON.stringify({ modified: frm.doc.modified, at: Date.now(), rows })
			);
		} catch (e) {
			// storage full or disabled: the form still holds the answers
		}
	},

	clear_draft(frm) {
		localStorage.removeItem(hsq_inspection.key(frm));
	},

	restore_draft(frm) {
		if (!hsq_inspection.editable(frm)) return;
		const draft = hsq_inspection.read_draft(frm);
		if (!draft) return;
		if (draft.modified !== frm.doc.modified) {
			// the visit was saved since this draft was taken: the saved answers win
			hsq_inspection.clear_draft(frm);
			return;
		}
		let restored = 0;
		(frm.doc.items || []).forEach((row) => {
			const saved = draft.rows[row.name];
			if (!saved) return;
			["result", "count", "score", "note", "department"].forEach((field) => {
				const value = saved[field];
				if ((row[field] || (field === "count" || field === "score" ? 0 : "")) !== value) {
					row[field] = value;
					restored++;
				}
			});
		});
		if (restored) {
			frm.dirty();
			frm.dashboard.set_headline_alert(
				`<div class="hsq-draft-restored">${__(
					"Unsaved answers of this visit were restored from this device. Save to keep them."
				)}</div>`,
				"orange"
			);
			frappe.show_alert({ message: __("Unsaved answers restored"), indicator: "orange" });
		}
	},

	derive(row) {
		// the same rule the server applies (hsq_app.inspection.visits.derive_results)
		if (row.result === "Not Applicable") return;
		if (row.check_type === "Count" && (row.count || row.result)) {
			row.result = (row.count || 0) >= (row.minimum || 0) ? "Pass" : "Fail";
		} else if (row.check_type === "Score" && (row.score || row.result)) {
			row.result = (row.score || 0) >= (row.minimum || 0) ? "Pass" : "Fail";
		}
	},

	set(frm, row, field, value) {
		row[field] = value;
		if (field === "count" || field === "score") {
			if (row.result === "Not Applicable") row.result = "";
			hsq_inspection.derive(row);
		}
		frm.dirty();
		hsq_inspection.write_draft(frm);
		hsq_inspection.render_card(frm, row);
	},

	requirement(row) {
		if (row.check_type === "Count") return __("At least {0}", [row.minimum]);
		if (row.check_type === "Score")
			return __("Score 0–{0}, at least {1} to pass", [row.max_score, row.minimum]);
		return __("Yes / No");
	},

	render(frm) {
		const wrapper = frm.fields_dict.checklist_html.$wrapper;
		wrapper.empty();
		if (frm.is_new()) {
			wrapper.html(
				`<p class="text-muted">${__("Save the visit to load the checklist of its template.")}</p>`
			);
			return;
		}
		wrapper.html(`
			<style>
				.hsq-cards { display: flex; flex-direction: column; gap: 10px; }
				.hsq-card { border: 1px solid var(--border-color); border-radius: 8px; padding: 10px; }
				.hsq-card.is-fail { border-left: 4px solid var(--red-500, #e24c4c); }
				.hsq-card.is-pass { border-left: 4px solid var(--green-500, #38a160); }
				.hsq-card .hsq-area { font-size: 12px; color: var(--text-muted); }
				.hsq-card .hsq-item { font-weight: 600; margin: 2px 0 4px; }
				.hsq-card .hsq-req { font-size: 12px; color: var(--text-muted); margin-bottom: 6px; }
				.hsq-card .hsq-choices { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 6px; }
				.hsq-card .hsq-choices .btn { flex: 1 1 auto; min-width: 80px; }
				.hsq-card input.hsq-num { max-width: 120px; display: inline-block; }
				.hsq-card textarea, .hsq-card select { width: 100%; margin-top: 6px; }
				.hsq-card textarea.hsq-note { min-height: 38px; height: 38px; }
				.hsq-actions { display: flex; gap: 8px; margin-top: 12px; }
				.hsq-actions .btn { flex: 1; }
				.hsq-card .hsq-foot { display: flex; justify-content: space-between; align-items: center; margin-top: 6px; flex-wrap: wrap; gap: 6px; }
			</style>
			<div class="hsq-cards"></div>`);
		const list = wrapper.find(".hsq-cards");
		(frm.doc.items || []).forEach((row) => {
			list.append(`<div class="hsq-card" data-row="${row.name}"></div>`);
			hsq_inspection.render_card(frm, row);
		});
		if (hsq_inspection.editable(frm) && frappe.user.has_role("HSQ Bureau Inspector")) {
			// at the end of the list, where a phone's thumb is after the last item
			$(`<div class="hsq-actions">
				<button type="button" class="btn btn-default hsq-save">${__("Save")}</button>
				<button type="button" class="btn btn-primary hsq-submit">${__("Submit Inspection")}</button>
			</div>`).appendTo(wrapper);
			wrapper.find(".hsq-save").on("click", () => frm.save());
			wrapper.find(".hsq-submit").on("click", () => hsq_inspection.submit(frm));
		}
		if (hsq_inspection.editable(frm) && !frm._hsq_departments) {
			frappe.db
				.get_list("HSQ Department", {
					filters: { institution: frm.doc.institution },
					fields: ["name", "department_name"],
					limit: 200,
				})
				.then((rows) => {
					frm._hsq_departments = rows;
					(frm.doc.items || []).forEach((row) => hsq_inspection.render_card(frm, row));
				});
		}
	},

	render_card(frm, row) {
		const card = frm.fields_dict.checklist_html.$wrapper.find(`.hsq-card[data-row="${row.name}"]`);
		if (!card.length) return;
		const edit = hsq_inspection.editable(frm);
		const esc = frappe.utils.escape_html;
		card.toggleClass("is-fail", row.result === "Fail").toggleClass("is-pass", row.result === "Pass");
		const choice = (value) =>
			`<button type="button" class="btn btn-sm ${
				row.result === value ? (value === "Fail" ? "btn-danger" : "btn-primary") : "btn-default"
			}" data-result="${value}" ${edit ? "" : "disabled"}>${HSQ_RESULT_LABELS[value]}</button>`;
		let input = "";
		if (row.check_type === "Count") {
			input = `<label class="small">${__("Count")}
				<input type="number" inputmode="numeric" min="0" class="form-control hsq-num" data-field="count"
					value="${row.count || (row.result ? 0 : "")}" ${edit ? "" : "disabled"}></label>`;
		} else if (row.check_type === "Score") {
			input = `<label class="small">${__("Score")}
				<input type="number" inputmode="decimal" min="0" max="${row.max_score}" class="form-control hsq-num"
					data-field="score" value="${row.score || (row.result ? 0 : "")}" ${edit ? "" : "disabled"}></label>`;
		}
		const choices =
			row.check_type === "Yes/No" ? ["Pass", "Fail", "Not Applicable"] : ["Not Applicable"];
		const departments = frm._hsq_departments || [];
		const dept_select =
			edit && row.result === "Fail"
				? `<select class="form-control input-sm" data-field="department">
					<option value="">${__("Responsible department (if known)")}</option>
					${departments
						.map(
							(d) =>
								`<option value="${esc(d.name)}" ${
									d.name === row.department ? "selected" : ""
								}>${esc(d.department_name)}</option>`
						)
						.join("")}
				</select>`
				: "";
		const task = row.rectification_task
			? `<a href="/app/hsq-rectification-task/${encodeURIComponent(row.rectification_task)}">${__(
					"Rectification Task"
			  )} ${esc(row.rectification_task)}</a>`
			: "";
		const photo = row.photo
			? `<a href="${esc(row.photo)}" target="_blank">${__("Photo")}</a>`
			: edit
			? `<button type="button" class="btn btn-xs btn-default hsq-photo">${__("Add Photo")}</button>`
			: "";
		card.html(`
			<div class="hsq-area">${esc(__(row.area || ""))}</div>
			<div class="hsq-item">${esc(row.item || "")}</div>
			<div class="hsq-req">${esc(hsq_inspection.requirement(row))}</div>
			${input}
			<div class="hsq-choices">${choices.map(choice).join("")}</div>
			${
				edit
					? `<textarea class="form-control hsq-note" rows="1" data-field="note" placeholder="${__(
							"Note"
					  )}">${esc(row.note || "")}</textarea>`
					: row.note
					? `<div class="small">${esc(row.note)}</div>`
					: ""
			}
			${dept_select}
			<div class="hsq-foot">
				<span class="indicator-pill ${
					row.result === "Fail" ? "red" : row.result === "Pass" ? "green" : "gray"
				} hsq-result">${row.result ? HSQ_RESULT_LABELS[row.result] : __("Not recorded")}</span>
				${photo} ${task}
			</div>`);
		if (!edit) return;
		card.find("[data-result]").on("click", function () {
			const value = $(this).attr("data-result");
			if (row.check_type !== "Yes/No" && value !== "Not Applicable") return;
			hsq_inspection.set(frm, row, "result", row.result === value ? "" : value);
		});
		card.find("input[data-field]").on("change", function () {
			const field = $(this).attr("data-field");
			const value = $(this).val() === "" ? 0 : flt($(this).val());
			if (field === "count" && !row.result && $(this).val() !== "") row.result = "Fail"; // explicit 0
			hsq_inspection.set(frm, row, field, field === "count" ? cint(value) : value);
		});
		card.find("textarea[data-field]").on("input", function () {
			row.note = $(this).val();
			frm.dirty();
			hsq_inspection.write_draft(frm);
		});
		card.find("select[data-field]").on("change", function () {
			hsq_inspection.set(frm, row, "department", $(this).val());
		});
		card.find(".hsq-photo").on("click", () => {
			new frappe.ui.FileUploader({
				doctype: frm.doctype,
				docname: frm.doc.name,
				folder: "Home/Attachments",
				restrictions: { allowed_file_types: ["image/*"] },
				make_attachments_public: false,
				on_success(file) {
					hsq_inspection.set(frm, row, "photo", file.file_url);
				},
			});
		});
	},

	buttons(frm) {
		if (frm.is_new()) return;
		const inspector = frappe.user.has_role("HSQ Bureau Inspector");
		if (frm.doc.status === "Draft" && inspector && hsq_inspection.editable(frm)) {
			// Save stays the primary action (partial progress); submitting is its own step
			frm.add_custom_button(__("Submit Inspection"), () => hsq_inspection.submit(frm)).addClass(
				"btn-primary"
			);
		}
		if (frm.doc.status === "Submitted" && inspector && frm.doc.failed_count) {
			frm.add_custom_button(__("Re-inspect Failed Items"), () =>
				frm.call("make_reinspection").then((r) => frappe.set_route("Form", frm.doctype, r.message))
			);
		}
		const institution = ["HSQ Institution Leader", "HSQ Quality Officer", "HSQ Institution Admin"].some(
			(role) => frappe.user.has_role(role)
		);
		if (frm.doc.status !== "Draft" && institution && !frappe.user.has_role("HSQ Bureau Admin")) {
			frm.add_custom_button(__("Reply"), () =>
				frappe.prompt(
					{ fieldname: "text", fieldtype: "Small Text", label: __("Institution Reply"), reqd: 1 },
					(values) => frm.call("reply", { text: values.text }).then(() => frm.reload_doc()),
					__("Reply to the Inspection")
				)
			);
		}
	},

	async submit(frm) {
		if (frm.is_dirty()) await frm.save();
		const failed = (frm.doc.items || []).filter((r) => r.result === "Fail").length;
		frappe.confirm(
			failed
				? __("Submit this inspection? {0} failed item(s) will each propose a rectification task.", [failed])
				: __("Submit this inspection?"),
			() =>
				frm.call("submit_visit").then(() => {
					hsq_inspection.clear_draft(frm);
					frm.reload_doc();
				})
		);
	},
};

// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// The calendar as a year of month grids: holidays and make-up workdays (调休) marked, a click on a
// day (for those who may edit) makes it a holiday or a workday, or back to the plain week; the
// form's ordinary save keeps it. The raw table of every entered day stays below, collapsed.

frappe.ui.form.on("HSQ Work Calendar", {
	refresh(frm) {
		if (!frm.hsq_year) frm.hsq_year = hsq_calendar_default_year(frm);
		hsq_calendar_render(frm);
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
		if (frm.has_perm("write")) {
			const next = hsq_calendar_next_year(frm);
			frm.add_custom_button(__("Import the {0} holiday schedule", [next]), () => {
				if (frm.is_dirty()) {
					frappe.msgprint(__("Save your changes first"));
					return;
				}
				frappe.call({
					method: "hsq_app.complaints.doctype.hsq_work_calendar.hsq_work_calendar.import_year",
					args: { calendar: frm.doc.name, year: next },
					freeze: true,
					callback(r) {
						if (!r.message) return;
						frm.hsq_year = next;
						frm.reload_doc().then(() => {
							frappe.show_alert(
								{
									message: __("{0} days of {1} imported; covered until {2}", [
										r.message.added,
										next,
										frappe.datetime.str_to_user(r.message.covered_until),
									]),
									indicator: "green",
								},
								7
							);
						});
					},
				});
			});
		}
	},
	days_add(frm) {
		hsq_calendar_render(frm);
	},
	days_remove(frm) {
		hsq_calendar_render(frm);
	},
});

frappe.ui.form.on("HSQ Work Calendar Day", {
	date(frm) {
		hsq_calendar_render(frm);
	},
	day_type(frm) {
		hsq_calendar_render(frm);
	},
});

function hsq_calendar_default_year(frm) {
	return Number(frappe.datetime.get_today().slice(0, 4));
}

// the year the button imports: the one after the entered schedule (never later than next year)
function hsq_calendar_next_year(frm) {
	const covered = frm.doc.covered_until ? Number(frm.doc.covered_until.slice(0, 4)) : null;
	const next = Number(frappe.datetime.get_today().slice(0, 4)) + 1;
	return covered && covered < next ? covered + 1 : next;
}

function hsq_calendar_rows(frm) {
	const rows = {};
	for (const row of frm.doc.days || []) {
		if (row.date) rows[row.date] = row;
	}
	return rows;
}

function hsq_calendar_toggle(frm, date) {
	const row = hsq_calendar_rows(frm)[date];
	if (row) {
		frappe.model.clear_doc(row.doctype, row.name);
	} else {
		const weekend = [0, 6].includes(new Date(`${date}T00:00:00`).getDay());
		frm.add_child("days", {
			date,
			day_type: weekend ? "Workday" : "Holiday",
			description: weekend ? __("Make-up workday") : __("Holiday"),
		});
	}
	frm.refresh_field("days");
	frm.dirty();
	hsq_calendar_render(frm);
}

function hsq_calendar_render(frm) {
	const field = frm.get_field("year_view");
	if (!field || !field.$wrapper) return;
	const year = frm.hsq_year;
	const rows = hsq_calendar_rows(frm);
	const editable = frm.has_perm("write") && !frm.is_new();
	const covered = frm.doc.covered_until;
	const today = frappe.datetime.get_today();
	const pad = (n) => String(n).padStart(2, "0");
	const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map((d) => __(d));
	let holidays = 0;
	let workdays = 0;
	const months = [];
	for (let m = 1; m <= 12; m++) {
		const first = new Date(year, m - 1, 1);
		const length = new Date(year, m, 0).getDate();
		const offset = (first.getDay() + 6) % 7; // Monday first
		let cells = "";
		for (let i = 0; i < offset; i++) cells += `<div class="hsq-day empty"></div>`;
		for (let d = 1; d <= length; d++) {
			const date = `${year}-${pad(m)}-${pad(d)}`;
			const dow = new Date(year, m - 1, d).getDay();
			const row = rows[date];
			const classes = ["hsq-day"];
			let mark = "";
			let title = date;
			if (row && row.day_type === "Holiday") {
				classes.push("is-holiday");
				mark = __("Off");
				holidays++;
			} else if (row && row.day_type === "Workday") {
				classes.push("is-workday");
				mark = __("Work");
				workdays++;
			} else if (dow === 0 || dow === 6) {
				classes.push("is-weekend");
			}
			if (row && row.description) title += ` ${row.description}`;
			if (date === today) classes.push("is-today");
			if (covered && date > covered) classes.push("is-provisional");
			cells += `<div class="${classes.join(" ")}" data-date="${date}" title="${frappe.utils.escape_html(
				title
			)}"><span class="num">${d}</span>${mark ? `<span class="mark">${mark}</span>` : ""}</div>`;
		}
		months.push(`<div class="hsq-month" data-month="${m}">
			<div class="hsq-month-title">${__("Month {0}", [m])}</div>
			<div class="hsq-week">${weekdays.map((w) => `<div>${w}</div>`).join("")}</div>
			<div class="hsq-days">${cells}</div>
		</div>`);
	}
	const beyond = covered && `${year}-01-01` > covered;
	const source = frm.doc.__onload && frm.doc.__onload.holiday_source;
	const source_note =
		source && source.last_year
			? " " +
			  __("Holiday source: chinesecalendar {0}, with schedules up to {1}.", [
					source.version,
					source.last_year,
			  ])
			: "";
	const summary = beyond
		? __("{0} is not entered yet: deadlines in it count Monday to Friday only.", [year])
		: __("{0}: {1} holidays on weekdays, {2} make-up workdays on weekends.", [year, holidays, workdays]);
	field.$wrapper.html(`
		<style>
			.hsq-year-view .hsq-year-nav { display: flex; align-items: center; gap: 8px; margin-bottom: 8px; flex-wrap: wrap; }
			.hsq-year-view .hsq-year-nav .year { font-size: 1.2rem; font-weight: 600; min-width: 4em; text-align: center; }
			.hsq-year-view .hsq-months { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; }
			.hsq-year-view .hsq-month-title { font-weight: 600; margin-bottom: 4px; }
			.hsq-year-view .hsq-week, .hsq-year-view .hsq-days { display: grid; grid-template-columns: repeat(7, 1fr); gap: 2px; }
			.hsq-year-view .hsq-week div { text-align: center; color: var(--text-muted); font-size: 11px; }
			.hsq-year-view .hsq-day { position: relative; text-align: center; font-size: 12px; padding: 3px 0; border-radius: 4px; min-height: 26px; }
			.hsq-year-view .hsq-day.is-weekend { color: var(--text-muted); background: var(--gray-100); }
			.hsq-year-view .hsq-day.is-holiday { background: var(--red-100); color: var(--red-700); font-weight: 600; }
			.hsq-year-view .hsq-day.is-workday { background: var(--orange-100); color: var(--orange-700); font-weight: 600; }
			.hsq-year-view .hsq-day.is-today { outline: 2px solid var(--primary); }
			.hsq-year-view .hsq-day.is-provisional { opacity: .6; }
			.hsq-year-view .hsq-day .mark { position: absolute; top: -2px; right: 1px; font-size: 9px; }
			.hsq-year-view.editable .hsq-day:not(.empty) { cursor: pointer; }
			.hsq-year-view.editable .hsq-day:not(.empty):hover { outline: 1px solid var(--gray-500); }
			.hsq-year-view .legend span { display: inline-block; padding: 0 6px; border-radius: 4px; margin-right: 8px; font-size: 12px; }
		</style>
		<div class="hsq-year-view${editable ? " editable" : ""}" data-year="${year}">
			<div class="hsq-year-nav">
				<button class="btn btn-xs btn-default prev" title="${__("Previous Year")}">‹</button>
				<span class="year">${__("Year {0}", [year])}</span>
				<button class="btn btn-xs btn-default next" title="${__("Next Year")}">›</button>
				<span class="legend">
					<span class="is-holiday" style="background: var(--red-100); color: var(--red-700)">${__("Holiday")}</span>
					<span style="background: var(--orange-100); color: var(--orange-700)">${__("Make-up workday")}</span>
					<span style="background: var(--gray-100)">${__("Weekend")}</span>
				</span>
			</div>
			<p class="summary text-muted small">${summary}${
				editable ? " " + __("Click a day to make it a holiday or a workday, or back; then save.") : ""
			}${source_note}</p>
			<div class="hsq-months">${months.join("")}</div>
		</div>`);
	const $view = field.$wrapper.find(".hsq-year-view");
	$view.find(".prev").on("click", () => {
		frm.hsq_year = year - 1;
		hsq_calendar_render(frm);
	});
	$view.find(".next").on("click", () => {
		frm.hsq_year = year + 1;
		hsq_calendar_render(frm);
	});
	if (editable) {
		$view.find(".hsq-day[data-date]").on("click", function () {
			hsq_calendar_toggle(frm, this.dataset.date);
		});
	}
}

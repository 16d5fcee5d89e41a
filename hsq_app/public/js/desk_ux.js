// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// The desk's worklists agree with their cards (issue 13):
// - a number card opens its list with all of its filters, the per-user ("dynamic") ones too:
//   Frappe 15 drops them on click, so "我的待办投诉" counted 3 and opened every open complaint;
// (the ToDo list, the user's open worklist by deadline whose rows open the complaint: todo_list.js)

$(document).on("app_ready", () => {
	const NumberCard = frappe.widget && frappe.widget.widget_factory && frappe.widget.widget_factory.number_card;
	if (NumberCard && !NumberCard.prototype.hsq_routed) {
		const set_route = NumberCard.prototype.set_route;
		NumberCard.prototype.hsq_routed = true;
		NumberCard.prototype.set_route = function () {
			const doc = this.card_doc || {};
			if (doc.type === "Custom" || doc.type === "Report" || !doc.dynamic_filters_json) {
				return set_route.call(this);
			}
			const filters = frappe.dashboard_utils.get_all_filters(doc) || [];
			frappe.route_options = filters.reduce(
				(acc, f) => Object.assign(acc, { [`${f[0]}.${f[1]}`]: [f[2], f[3]] }),
				{}
			);
			frappe.set_route(frappe.utils.generate_route({ name: doc.document_type, type: "doctype" }));
		};
	}
});

// a list of a DocType whose names are words (categories, SMS templates: "translated" DocTypes)
// shows them in Chinese, as the links to them already do
$(document).on("app_ready", () => {
	const ListView = frappe.views && frappe.views.ListView;
	if (!ListView || ListView.prototype.hsq_translated_subjects) return;
	const get_subject_text = ListView.prototype.get_subject_text;
	ListView.prototype.hsq_translated_subjects = true;
	ListView.prototype.get_subject_text = function (doc, title) {
		const text = get_subject_text.call(this, doc, title);
		return (frappe.boot.translated_doctypes || []).includes(this.doctype) ? __(text) : text;
	};
});

// a chart grouped by a field whose values are words (categories, channels) labels them in Chinese
$(document).on("app_ready", () => {
	const Chart = frappe.widget && frappe.widget.widget_factory && frappe.widget.widget_factory.chart;
	if (!Chart || Chart.prototype.hsq_translated_labels) return;
	const render = Chart.prototype.render;
	Chart.prototype.hsq_translated_labels = true;
	Chart.prototype.render = function (...args) {
		if (this.data && Array.isArray(this.data.labels)) {
			this.data.labels = this.data.labels.map((label) => (typeof label === "string" ? __(label) : label));
		}
		return render.apply(this, args);
	};
});

// a date-time field's description is translated before its time zone is added to it (Frappe
// translates the two together, which no translation matches)
(() => {
	const Datetime = frappe.ui && frappe.ui.form && frappe.ui.form.ControlDatetime;
	if (!Datetime || Datetime.prototype.hsq_translated_description) return;
	const set_description = Datetime.prototype.set_description;
	Datetime.prototype.hsq_translated_description = true;
	Datetime.prototype.set_description = function (...args) {
		if (this.df.description && !this.df.hsq_translated) {
			this.df.description = __(this.df.description);
			this.df.hsq_translated = 1;
		}
		return set_description.apply(this, args);
	};
})();

// The form timeline shows a value that was empty as "null" (Frappe's version lines run
// html2text on it): an empty value reads as empty, in any language.
(() => {
	const html2text = frappe.utils.html2text;
	frappe.utils.html2text = (html) => (html === null || html === undefined ? "" : html2text(html));
})();

// the name of a record of a "translated" DocType (an SMS template's key) reads in Chinese where a
// form shows it as text, as its title and links already do
(() => {
	const formatters = frappe.form && frappe.form.formatters;
	if (!formatters || formatters.hsq_translated_titles) return;
	formatters.hsq_translated_titles = true;
	const data = formatters.Data;
	formatters.Data = function (value, df, ...rest) {
		const html = data.call(this, value, df, ...rest);
		const doctype = df && df.parent;
		if (!doctype || !value || !(frappe.boot.translated_doctypes || []).includes(doctype)) return html;
		const meta = frappe.get_meta(doctype);
		return meta && [meta.title_field, "name"].includes(df.fieldname) && html === value ? __(value) : html;
	};
})();

// fields holding a list of option words (an inspection item's institution types and grades: stored
// in English, the desk shows them in Chinese)
(() => {
	const formatters = frappe.form && frappe.form.formatters;
	if (!formatters || formatters.hsq_word_lists) return;
	formatters.hsq_word_lists = true;
	const WORD_LISTS = { "HSQ Inspection Template Item": ["applies_to"] };
	const data = formatters.Data;
	formatters.Data = function (value, df, ...rest) {
		if (value && df && (WORD_LISTS[df.parent] || []).includes(df.fieldname)) {
			value = String(value)
				.split(/[,，、]/)
				.map((word) => __(word.trim()))
				.filter(Boolean)
				.join("、");
		}
		return data.call(this, value, df, ...rest);
	};
	// a link to a DocType (an SMS log's record type) shows its Chinese name, to those who may not
	// open DocTypes too
	frappe.form.link_formatters = frappe.form.link_formatters || {};
	if (!frappe.form.link_formatters.DocType) {
		frappe.form.link_formatters.DocType = (value) => __(value);
	}
})();

// a link to a record whose name is a word (an SMS template) reads in Chinese to those who may not
// open it too (the survey settings' template, shown to a leader)
$(document).on("app_ready", () => {
	frappe.form.link_formatters = frappe.form.link_formatters || {};
	for (const doctype of frappe.boot.translated_doctypes || []) {
		if (!frappe.form.link_formatters[doctype]) {
			frappe.form.link_formatters[doctype] = (value) => __(value);
		}
	}
});

// "This month" is the system's (Asia/Shanghai), not the browser's: Frappe's month_start and
// month_end read the browser's clock, which for a browser in another time zone (or a test browser
// in UTC) is still last month between 00:00 and 08:00 Beijing time, while the server files what
// is received then in the new month. get_today() is already the system's date.
(() => {
	const today = () => moment(frappe.datetime.get_today());
	frappe.datetime.month_start = () => today().startOf("month").format();
	frappe.datetime.month_end = () => today().endOf("month").format();
})();

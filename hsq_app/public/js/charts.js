// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

// Charts that say something (issue 13): a group with no value is labelled 未填写 (not "null"),
// a month reads 2026年5月 / 6月 (never cut to "2026..."), a rate reads 95.0%, and clicking a bar,
// a dot or a slice opens the list of the records behind it.
frappe.provide("hsq.charts");

hsq.charts.MONTH = /^(\d{4})-(\d{2})$/;

// "2026-05" as the axis shows it: the year on the first month and on January only
hsq.charts.month_labels = function (labels) {
	return labels.map((label, i) => {
		const m = hsq.charts.MONTH.exec(label || "");
		if (!m) return label;
		const month = parseInt(m[2], 10);
		return i === 0 || month === 1
			? __("{0}年{1}月", [m[1].slice(2), month])
			: __("{0}月", [month]);
	});
};

hsq.charts.is_months = (labels) => labels.length > 1 && labels.every((l) => hsq.charts.MONTH.test(l || ""));

// a rate with one decimal and its percent sign
hsq.charts.percent = (value) =>
	value === null || value === undefined || value === "" || isNaN(value) ? "" : `${Number(value).toFixed(1)}%`;

hsq.charts.axis_number = (value) =>
	Math.abs(value) >= 1000 ? frappe.utils.format_chart_axis_number(value) : String(Math.round(value * 100) / 100);

// the index of the bar, dot or slice an event happened on (-1: none)
hsq.charts.index_of = function (chart, event) {
	if (!chart) return -1;
	if (chart.sliceName && chart.components) {
		const slices = (chart.components.get(chart.sliceName) || {}).store || [];
		return slices.indexOf(event.target);
	}
	const unit = event.target.closest && event.target.closest("[data-point-index]");
	if (unit) return parseInt(unit.getAttribute("data-point-index"), 10);
	return chart.tip && chart.tip.index >= 0 ? chart.tip.index : -1;
};

// the label a slice shows is the label of the data it came from (pies sort and merge their slices)
hsq.charts.data_index = function (chart, index, labels) {
	if (!chart || index < 0) return -1;
	if (chart.sliceName && chart.state && chart.state.labels) {
		return labels.indexOf(chart.state.labels[index]);
	}
	return index;
};

// a click on the chart drawn in `wrapper` calls open(raw_label)
hsq.charts.bind_click = function (wrapper, get_chart, get_labels, open) {
	if (!wrapper || wrapper.hsq_click_bound) return;
	wrapper.hsq_click_bound = true;
	wrapper.classList.add("hsq-clickable-chart");
	wrapper.addEventListener("click", (event) => {
		const chart = get_chart();
		const { shown, raw } = get_labels();
		const index = hsq.charts.data_index(chart, hsq.charts.index_of(chart, event), shown || []);
		if (index < 0 || !raw || index >= raw.length) return;
		open(raw[index]);
	});
};

hsq.charts.open_list = function (doctype, filters) {
	frappe.route_options = filters;
	frappe.set_route("List", doctype);
};

// the list filters of a month (YYYY-MM) on a date field
hsq.charts.month_filter = function (label, field) {
	const m = hsq.charts.MONTH.exec(label || "");
	if (!m) return null;
	return { [field]: ["Between", hsq.month_range(`${label}-01`)] };
};

// dashboard charts drawn from a report: what a label of theirs opens
hsq.charts.report_drills = {
	"Complaints per Month": (label) => {
		const month = hsq.charts.month_filter(label, "received_at");
		return month && ["HSQ Complaint", { ...month, workflow_state: ["!=", "Not Accepted"] }];
	},
	"Follow Up Satisfaction Trend": (label) => {
		const month = hsq.charts.month_filter(label, "completed_at");
		return month && ["HSQ Follow Up", { ...month, status: "Completed" }];
	},
};

// what a dashboard chart's label opens: a group's records, a report chart's per its drill above
hsq.charts.widget_target = function (doc, filters, raw) {
	if (doc.chart_type === "Group By" && doc.document_type && doc.group_by_based_on) {
		const route = {};
		for (const f of frappe.utils.parse_array(filters) || []) {
			if (Array.isArray(f) && f.length >= 4) route[f[1]] = [f[2], f[3]];
		}
		route[doc.group_by_based_on] = raw === null || raw === undefined || raw === "" ? ["is", "not set"] : raw;
		return [doc.document_type, route];
	}
	const drill = hsq.charts.report_drills[doc.name || doc.chart_name];
	return drill ? drill(raw) : null;
};

$(document).on("app_ready", () => {
	const Chart = frappe.widget && frappe.widget.widget_factory && frappe.widget.widget_factory.chart;
	if (!Chart || Chart.prototype.hsq_charts) return;
	Chart.prototype.hsq_charts = true;

	const render = Chart.prototype.render;
	Chart.prototype.render = function (...args) {
		const data = this.data;
		if (data && Array.isArray(data.labels) && !data.hsq_raw_labels) {
			const raw = data.labels.slice();
			data.hsq_raw_labels = raw;
			// a group's value in its DocType's words (a follow-up's Pending is 待回访)
			const doctype = this.chart_doc && this.chart_doc.chart_type === "Group By" && this.chart_doc.document_type;
			let shown = raw.map((l) =>
				l === null || l === undefined || l === ""
					? __("Not Filled In")
					: typeof l === "string" && doctype
					? __(l, null, doctype)
					: l
			);
			if (hsq.charts.is_months(raw)) {
				shown = hsq.charts.month_labels(raw);
				this.hsq_months = true;
			}
			data.labels = shown;
			// a report's column is named as the report names it (not "Total")
			const columns = (this.report_result && this.report_result.columns) || [];
			(data.datasets || []).forEach((dataset, i) => {
				const y = ((this.chart_doc && this.chart_doc.y_axis) || [])[i];
				const column = y && columns.find((c) => c.fieldname === y.y_field);
				dataset.name = column && column.label ? __(column.label) : __(dataset.name || "");
			});
		}
		return render.apply(this, args);
	};

	const get_chart_args = Chart.prototype.get_chart_args;
	Chart.prototype.get_chart_args = function (...args) {
		const chart_args = get_chart_args.apply(this, args);
		// small counts read 0, 0.25, 0.5 on the axis (not 0, 0, 1, 1)
		chart_args.axisOptions = Object.assign(chart_args.axisOptions || {}, {
			numberFormatter: hsq.charts.axis_number,
		});
		// a pie shows every group: frappe-charts would merge the smallest into an English "Rest"
		const count = ((this.data || {}).labels || []).length;
		if (chart_args.maxSlices && count > chart_args.maxSlices) chart_args.maxSlices = count;
		if (this.hsq_months) {
			// a series: labels are thinned if they ever must be, never cut
			chart_args.axisOptions = Object.assign(chart_args.axisOptions || {}, { xIsSeries: 1 });
		}
		const wrapper = this.chart_wrapper && this.chart_wrapper[0];
		hsq.charts.bind_click(
			wrapper,
			() => this.dashboard_chart,
			() => ({ shown: (this.data || {}).labels, raw: (this.data || {}).hsq_raw_labels }),
			(raw) => {
				const target = hsq.charts.widget_target(this.chart_doc || {}, this.filters, raw);
				if (target) hsq.charts.open_list(...target);
			}
		);
		return chart_args;
	};
});

// query reports: months and rates as above; a report's `chart_drill(label)` returns [doctype,
// filters] for the list a click on the chart opens
$(document).on("app_ready", () => {
	const QueryReport = frappe.views && frappe.views.QueryReport;
	if (!QueryReport || QueryReport.prototype.hsq_charts) return;
	QueryReport.prototype.hsq_charts = true;

	const get_chart_options = QueryReport.prototype.get_chart_options;
	QueryReport.prototype.get_chart_options = function (...args) {
		const options = get_chart_options.apply(this, args);
		if (!options || !options.data || !Array.isArray(options.data.labels)) return options;
		const raw = options.data.labels.slice();
		options.hsq_raw_labels = raw;
		options.data.labels = raw.map((l) => (l === null || l === undefined || l === "" ? __("Not Filled In") : l));
		if (hsq.charts.is_months(raw)) {
			options.data.labels = hsq.charts.month_labels(raw);
			options.axisOptions = Object.assign(options.axisOptions || {}, { xIsSeries: 1 });
		}
		if (options.fieldtype === "Percent") {
			options.tooltipOptions = { formatTooltipY: hsq.charts.percent };
			options.axisOptions = Object.assign(options.axisOptions || {}, {
				numberFormatter: (v) => `${v}%`,
			});
		}
		return options;
	};

	const render_chart = QueryReport.prototype.render_chart;
	QueryReport.prototype.render_chart = function (options, ...rest) {
		const result = render_chart.call(this, options, ...rest);
		const drill = this.report_settings && this.report_settings.chart_drill;
		if (drill && this.$chart && this.$chart[0]) {
			this.hsq_chart_options = options;
			hsq.charts.bind_click(
				this.$chart[0],
				() => this.chart,
				() => ({
					shown: ((this.hsq_chart_options || {}).data || {}).labels,
					raw: (this.hsq_chart_options || {}).hsq_raw_labels,
				}),
				(raw) => {
					const target = this.report_settings.chart_drill(raw);
					if (target) hsq.charts.open_list(...target);
				}
			);
		}
		return result;
	};
});

// a Select's value is translated in its DocType's context, as the form's select shows it (a
// follow-up's Pending is 待回访, an extension's 待处理)
(() => {
	const formatters = frappe.form && frappe.form.formatters;
	if (!formatters || formatters.hsq_select_context) return;
	formatters.hsq_select_context = true;
	formatters.Select = function (value, df) {
		return __(formatters.Data(value, df), null, df && df.parent);
	};
})();

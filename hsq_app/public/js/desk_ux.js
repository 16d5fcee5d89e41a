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

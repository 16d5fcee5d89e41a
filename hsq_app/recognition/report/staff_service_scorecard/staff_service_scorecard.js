// Copyright (c) 2026, hsq_app developers and contributors
// For license information, please see license.txt

(() => {
	// the last full quarter
	const today = frappe.datetime.str_to_obj(frappe.datetime.get_today());
	const first_month = 3 * Math.floor(today.getMonth() / 3);
	const this_quarter = new Date(today.getFullYear(), first_month, 1);
	const from = new Date(this_quarter.getFullYear(), this_quarter.getMonth() - 3, 1);
	const to = new Date(this_quarter.getFullYear(), this_quarter.getMonth(), 0);

	frappe.query_reports["Staff Service Scorecard"] = {
		filters: [
			{ fieldname: "institution", label: __("Institution"), fieldtype: "Link", options: "HSQ Institution" },
			{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.obj_to_str(from) },
			{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.obj_to_str(to) },
			{ fieldname: "department", label: __("Department"), fieldtype: "Link", options: "HSQ Department" },
		],
	};
})();

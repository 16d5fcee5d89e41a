"""What the inspection reports count: submitted visits in the chosen dates, limited to the
institutions the viewer may see (hsq_app.utils.report.institution_scope) and the chosen one."""

from __future__ import annotations

import frappe
from frappe.utils import add_months, getdate, today

from hsq_app.utils.report import institution_scope


def submitted_visits(q, I, filters: frappe._dict):
	"""``q`` (a frappe.qb query over HSQ Inspection ``I``) kept to what the report counts."""
	q = (
		q.where(I.status != "Draft")
		.where(I.visit_date >= getdate(filters.from_date or add_months(today(), -12)))
		.where(I.visit_date <= getdate(filters.to_date or today()))
	)
	scope = institution_scope(I.institution)
	if scope is not None:
		q = q.where(scope)
	if filters.institution:
		q = q.where(I.institution == filters.institution)
	return q

"""Effect evaluation (效果评估) of a rectification task when it is verified: complaints of its
category in its department before and after, and patients' satisfaction from the follow-up
statistics (hsq_app.follow_up.stats keeps it per day, institution, department and dimension)."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import cint, flt, get_datetime

from hsq_app.rectification.tasks import DEFAULT_DEADLINE_DAYS, MIN_AFTER_WINDOW_DAYS


def record_effect(doc, closed_at) -> None:
	"""Figures before and after the fix: complaints of the category in the department, satisfaction.

	Before: the ``evaluation_days`` before the task was raised. After: the same span up to closing,
	but not earlier than the task was raised. Rates per day are compared; an after-period shorter
	than a week is reported as insufficient data.
	"""
	days = cint(doc.evaluation_days) or DEFAULT_DEADLINE_DAYS
	created = get_datetime(doc.creation) if doc.creation else closed_at
	before = (created - timedelta(days=days), created)
	after = (max(created, closed_at - timedelta(days=days)), closed_at)
	after_days = (after[1] - after[0]).total_seconds() / 86400

	doc.complaints_before = count_complaints(doc, *before)
	doc.complaints_after = count_complaints(doc, *after)
	sat_before, sat_after, dimension = satisfaction(doc, before), satisfaction(doc, after), None
	if sat_before:
		sat_before, dimension = sat_before
	if sat_after:
		sat_after, dimension = sat_after
	doc.satisfaction_before = sat_before or 0
	doc.satisfaction_after = sat_after or 0

	if not doc.category or after_days < MIN_AFTER_WINDOW_DAYS:
		doc.effect_result = "Insufficient Data"
	else:
		rate_before = doc.complaints_before / days
		rate_after = doc.complaints_after / after_days
		if abs(rate_after - rate_before) < 1e-9:
			doc.effect_result = "No Change"
		else:
			doc.effect_result = "Improved" if rate_after < rate_before else "Worse"

	summary = _("Complaints of this category: {0} in the {1} days before, {2} in the {3} days after").format(
		doc.complaints_before, days, doc.complaints_after, round(after_days)
	)
	if sat_before or sat_after:
		summary += _("; satisfaction ({0}): {1} before, {2} after").format(
			_(dimension) if dimension else _("overall"),
			flt(sat_before, 2) or "-",
			flt(sat_after, 2) or "-",
		)
	doc.effect_summary = summary


def count_complaints(doc, start, end) -> int:
	if not doc.category:
		return 0
	C = frappe.qb.DocType("HSQ Complaint")
	q = (
		frappe.qb.from_(C)
		.select(Count(C.name))
		.where(C.institution == doc.institution)
		.where(C.category == doc.category)
		.where(C.received_at >= start)
		.where(C.received_at < end)
	)
	if doc.responsible_department:
		q = q.where(C.department == doc.responsible_department)
	return cint(q.run()[0][0])


def satisfaction(doc, window) -> tuple[float, str | None] | None:
	"""Mean follow-up score in the window (by day of completion): the category's dimension where
	patients scored it, else the overall satisfaction; from the follow-up statistics' cells."""
	from hsq_app.follow_up import stats

	start, end = window
	args = (doc.institution, start, end, doc.responsible_department or None)
	if doc.category and (value := stats.satisfaction(*args, dimension=doc.category)):
		return flt(value, 2), doc.category
	value = stats.satisfaction(*args)
	return (flt(value, 2), None) if value else None

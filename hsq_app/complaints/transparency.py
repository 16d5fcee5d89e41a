"""Public service-quality figures for /service-quality (向社会公开): aggregates only, no personal data.

Per month (the last 12 including the current one) and per institution over that window:

* received: complaints by ``received_at``, counted as the SLA Compliance report counts them
  (neither Not Accepted nor merged into another complaint);
* closed: Closed complaints by ``closed_at``;
* on-time rate: the SLA Compliance report's compliance rate for the same complaints (received in
  the month, or in the window for an institution): met / (met + resolved late + open overdue),
  where met is resolved by its deadline; rounded to one decimal as the report rounds it;
* satisfaction: of the complaints closed in the month with complainant feedback, the share
  Satisfied or Basically Satisfied.

Small numbers could point at a person (k-anonymity): a per-institution count below
:data:`MIN_COUNT` is shown only as "fewer than 3", no rate is published whose base is below
:data:`MIN_COUNT` (county or institution), and a rate whose base is (part of) a hidden count is
hidden with it. Everything is aggregated in SQL; the result is cached.
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, DateFormat, IfNull, Sum
from frappe.utils import add_months, flt, get_datetime, get_first_day, getdate, now_datetime

from hsq_app.complaints import workflow as wf

MIN_COUNT = 3
MONTHS = 12
CACHE_KEY = "hsq_service_quality"
CACHE_SECONDS = 10 * 60
SATISFIED = ("Satisfied", "Basically Satisfied")


def window(now: datetime | None = None) -> tuple[datetime, list[str]]:
	"""Start of the window and its months as 'YYYY-MM', oldest first."""
	first = get_first_day(getdate(now or now_datetime()))
	months = [add_months(first, -i) for i in range(MONTHS - 1, -1, -1)]
	return get_datetime(months[0]), [m.strftime("%Y-%m") for m in months]


def _counts(group: str, start: datetime, now: datetime | None = None) -> dict:
	"""{key: {received, met, decided, closed, feedback, satisfied}} grouped by month or institution."""
	c = frappe.qb.DocType("HSQ Complaint")
	now = now or now_datetime()
	out: dict = {}

	def key(field):
		return DateFormat(c[field], "%Y-%m") if group == "month" else c.institution

	def one(v):
		return Sum(Case().when(v, 1).else_(0))

	# the SLA Compliance report's cohort and outcomes (complaints/report/sla_compliance): counted
	# by receipt, Not Accepted and merged duplicates left out; met = resolved by the deadline,
	# late = resolved after it, overdue = open (not Resolved or Closed) past it
	open_ = c.resolved_at.isnull() & IfNull(c.workflow_state, "").notin((wf.RESOLVED, wf.CLOSED))
	received = (
		frappe.qb.from_(c)
		.select(
			key("received_at").as_("k"),
			Count("*").as_("received"),
			one(c.resolved_at.notnull() & (c.resolved_at <= c.resolve_by)).as_("met"),
			one(
				(c.resolved_at.notnull() & (c.resolved_at <= c.resolve_by))
				| (c.resolved_at.notnull() & (c.resolved_at > c.resolve_by))
				| (open_ & (c.resolve_by < now))
			).as_("decided"),
		)
		.where(
			(c.received_at >= start)
			& (IfNull(c.workflow_state, "") != wf.NOT_ACCEPTED)
			& (IfNull(c.merged_into, "") == "")
		)
		.groupby(key("received_at"))
	)
	closed = (
		frappe.qb.from_(c)
		.select(
			key("closed_at").as_("k"),
			Count("*").as_("closed"),
			one(c.complainant_feedback.isin(("Dissatisfied", *SATISFIED))).as_("feedback"),
			one(c.complainant_feedback.isin(SATISFIED)).as_("satisfied"),
		)
		.where((c.workflow_state == wf.CLOSED) & (c.closed_at >= start))
		.groupby(key("closed_at"))
	)
	for query in (received, closed):
		for row in query.run(as_dict=True):
			bucket = out.setdefault(row.pop("k"), {})
			bucket.update({k: int(v or 0) for k, v in row.items()})
	return out


def _rate(part: int, whole: int) -> float | None:
	"""A percentage rounded as the SLA Compliance report rounds it, or None where the base is too
	small to publish."""
	return round(100 * flt(part) / whole, 1) if whole >= MIN_COUNT else None


def _row(counts: dict) -> dict:
	return {
		"received": counts.get("received", 0),
		"closed": counts.get("closed", 0),
		"decided": counts.get("decided", 0),
		"on_time_rate": _rate(counts.get("met", 0), counts.get("decided", 0)),
		"satisfaction": _rate(counts.get("satisfied", 0), counts.get("feedback", 0)),
	}


SMALL = f"<{MIN_COUNT}"
HIDDEN = "*"
COUNTS = ("received", "closed")  # the counts the page publishes per institution
# the rates whose base is (part of) each count: suppressed with it (the on-time base, the decided
# complaints, is part of the received ones, so a hidden received count hides the on-time rate)
RATES_OF = {"received": ("on_time_rate",), "closed": ("satisfaction",)}


def _suppressed_cells(rows: list[dict], measure: str) -> dict[int, str]:
	"""{row index: marker} of the cells of one column not to publish exactly.

	Primary: counts from 1 to MIN_COUNT - 1 (shown as a range). Complementary: the published
	county total minus the exact cells would give away a lone primary cell, so while fewer than
	two cells are hidden the smallest other non-zero cell is hidden too (or, when every other cell
	is zero, a zero one: otherwise the published zeros would say the total is that one cell).
	"""
	hidden = {i: SMALL for i, r in enumerate(rows) if 0 < r[measure] < MIN_COUNT}
	if len(hidden) == 1:
		others = sorted((r[measure] == 0, r[measure], i) for i, r in enumerate(rows) if i not in hidden)
		if others:
			hidden[others[0][2]] = HIDDEN
	return hidden


def suppress(rows: list[dict], total: dict) -> tuple[list[dict], dict]:
	"""Per-institution rows and the county total as published: small counts, their complements and
	their rates hidden; a total that one hidden cell alone makes up is hidden with it."""
	out, county = [dict(r) for r in rows], dict(total)
	for measure in COUNTS:
		hidden = _suppressed_cells(rows, measure)
		for i, marker in hidden.items():
			out[i][measure] = marker
			for rate in RATES_OF.get(measure, ()):
				out[i][rate] = None
		if len(hidden) == 1:  # no complement to hide: the total is that cell
			county[measure] = SMALL
			for rate in RATES_OF.get(measure, ()):
				county[rate] = None
	return out, county


def compute(now: datetime | None = None) -> dict:
	"""The page's figures (no cache)."""
	start, months = window(now)
	by_month = _counts("month", start, now)
	monthly = [{"month": m, **_row(by_month.get(m, {}))} for m in months]
	total = {
		k: sum(by_month.get(m, {}).get(k, 0) for m in months)
		for k in ("received", "closed", "decided", "met", "feedback", "satisfied")
	}
	by_institution = _counts("institution", start, now)
	rows = [
		{"institution": name, **_row(by_institution.get(name, {}))}
		for name in frappe.get_all(
			"HSQ Institution",
			filters={"institution_type": ("!=", "Bureau"), "disabled": 0},
			pluck="name",
			order_by="lft asc",
		)
	]
	institutions, county = suppress(rows, _row(total))
	for row in institutions:
		row.pop("decided")  # a rate's base, never published per institution (its rate is, from 3 up)
	return {
		"months": monthly,
		"total": county,
		"institutions": institutions,
		"min_count": MIN_COUNT,
		"from": months[0],
		"to": months[-1],
		"from_date": str(start.date()),  # the SLA Compliance report's period: this day to today
		"to_date": str(getdate(now or now_datetime())),
		"generated_at": str(now_datetime())[:16],
	}


def public_figures() -> dict:
	"""The figures as the page shows them, cached for ten minutes (guests may reload freely)."""
	key = f"{CACHE_KEY}:{getdate(now_datetime())}"
	data = frappe.cache.get_value(key, expires=True)  # expires: never pinned in the request-local cache
	if data is None:
		data = compute()
		frappe.cache.set_value(key, data, expires_in_sec=CACHE_SECONDS)
	return data


def clear_cache() -> None:
	frappe.cache.delete_keys(CACHE_KEY)

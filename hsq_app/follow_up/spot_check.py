"""Bureau spot checks of follow-ups (抽查): sample size by institution type, reproducible draws.

A township or community health centre (and any institution below secondary grade) is sampled
at HSQ Settings.township_sample_rate, a secondary or tertiary hospital at secondary_sample_rate.
The sample is ceil(population x rate), at least one, drawn with ``random.Random(seed)`` from the
institution's follow-ups completed in the month, taken in name order: the same seed and the same
completed follow-ups always give the same sample.
"""

from __future__ import annotations

import random
from datetime import datetime, time

import frappe
from frappe import _
from frappe.utils import add_days, get_last_day, getdate, now_datetime

from hsq_app.utils.sampling import draw, fill, sample_size

SECONDARY_GRADES = ("Secondary", "Tertiary")
RECTIFICATION = "HSQ Rectification Task"
# a spot check's row: its field <- the sampled follow-up's field
ROW_FIELDS = {
	"follow_up": "name",
	"patient_name": "patient_name",
	"patient_phone": "patient_phone",
	"department": "department",
	"completed_at": "completed_at",
	"recorded_satisfaction": "overall_satisfaction",
}


def sample_rate_for(institution: str) -> float:
	grade = frappe.db.get_value("HSQ Institution", institution, "grade")
	settings = frappe.db.get_singles_dict("HSQ Settings")
	if grade in SECONDARY_GRADES:
		return float(settings.get("secondary_sample_rate") or 5)
	return float(settings.get("township_sample_rate") or 10)


def completed_in_month(institution: str, month) -> list[frappe._dict]:
	"""The institution's follow-ups completed in the month, in name order (the draw's fixed order)."""
	start = datetime.combine(getdate(month).replace(day=1), time.min)
	end = datetime.combine(add_days(getdate(get_last_day(start)), 1), time.min)
	fu = frappe.qb.DocType("HSQ Follow Up")
	return (
		frappe.qb.from_(fu)
		.select(*(fu[source] for source in ROW_FIELDS.values()))
		.where(
			(fu.institution == institution)
			& (fu.status == "Completed")
			& (fu.completed_at >= start)
			& (fu.completed_at < end)
		)
		.orderby(fu.name)
		.run(as_dict=True)
	)


def new_seed() -> int:
	return random.SystemRandom().randrange(1, 2**31 - 1)


def fill_sample(doc) -> None:
	"""before_insert of HSQ Spot Check: rate, population, seed and the sampled rows."""
	doc.month = getdate(doc.month).replace(day=1)
	doc.sample_rate = sample_rate_for(doc.institution)
	population = completed_in_month(doc.institution, doc.month)
	if not population:
		frappe.throw(
			_("{0} has no follow-ups completed in {1} to check").format(doc.institution, str(doc.month)[:7])
		)
	doc.population = len(population)
	doc.sample_size = sample_size(doc.population, doc.sample_rate)
	if not doc.seed:
		doc.seed = new_seed()
	fill(doc, "items", draw(population, doc.seed, doc.sample_size), ROW_FIELDS)


def tally(doc) -> None:
	"""validate of HSQ Spot Check: counts, confirmation rate, status, check times."""
	before = doc.get_doc_before_save()
	previous = {row.name: row.verified for row in before.items} if before else {}
	for row in doc.items:
		if row.verified and row.verified != previous.get(row.name):
			row.checked_at = now_datetime()
		elif not row.verified:
			row.checked_at = None
	verdicts = [row.verified for row in doc.items]
	doc.confirmed = verdicts.count("Confirmed")
	doc.not_confirmed = verdicts.count("Not Confirmed")
	doc.unreachable = verdicts.count("Unreachable")
	decided = doc.confirmed + doc.not_confirmed
	doc.confirmation_rate = round(100.0 * doc.confirmed / decided, 2) if decided else 0
	doc.status = "Completed" if doc.items and all(verdicts) else "Open"


def raise_rectification(name: str) -> str:
	"""A rectification task for the spot check's Not Confirmed follow-ups (once)."""
	doc = frappe.get_doc("HSQ Spot Check", name)
	doc.check_permission("write")
	if doc.rectification_task:
		return doc.rectification_task
	rows = [row for row in doc.items if row.verified == "Not Confirmed"]
	if not rows:
		frappe.throw(_("No sampled follow-up is marked Not Confirmed"))
	if not frappe.db.exists("DocType", RECTIFICATION):
		frappe.throw(
			_("Rectification tasks are not available on this site yet ({0} is not installed)").format(
				RECTIFICATION
			)
		)
	lines = [
		_(
			"Spot check {0} of {1} for {2}: {3} of {4} sampled follow-ups were not confirmed by the patients."
		).format(doc.name, doc.institution, str(doc.month)[:7], len(rows), len(doc.items))
	]
	lines += [f"{row.follow_up} {row.patient_name or ''}: {row.result or ''}".strip() for row in rows]
	task = frappe.get_doc(
		{
			"doctype": RECTIFICATION,
			"source_type": "Spot Check",
			"source_name": doc.name,
			"institution": doc.institution,
			"problem": "\n".join(lines),
		}
	)
	meta = frappe.get_meta(RECTIFICATION)
	if meta.has_field("deadline") and not task.get("deadline"):
		task.deadline = add_days(getdate(), 30)
	# the inspector raises it from the spot check they may write; the task's own rules apply from here
	task.insert(ignore_permissions=True)
	doc.db_set({"rectification_doctype": RECTIFICATION, "rectification_task": task.name})
	return task.name

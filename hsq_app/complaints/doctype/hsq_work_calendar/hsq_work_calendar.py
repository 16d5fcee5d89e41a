# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import datetime as dt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, getdate

from hsq_app.utils import work_calendar


class HSQWorkCalendar(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.complaints.doctype.hsq_work_calendar_day.hsq_work_calendar_day import HSQWorkCalendarDay

		afternoon_end: DF.Time
		afternoon_start: DF.Time
		calendar_name: DF.Data
		covered_until: DF.Date
		days: DF.Table[HSQWorkCalendarDay]
		morning_end: DF.Time
		morning_start: DF.Time

	# end: auto-generated types
	def onload(self):
		"""What the holiday source has, for the year view and its import button."""
		from hsq_app.complaints.sla.defaults import official_schedule

		years = official_schedule()
		self.set_onload(
			"holiday_source", {"version": source_version(), "last_year": max(years) if years else None}
		)

	def validate(self):
		periods = work_calendar.periods_of(self)
		(ms, me), (as_, ae) = periods
		if not ms < me <= as_ < ae:
			frappe.throw(
				_("Working hours must run morning start < morning end ≤ afternoon start < afternoon end")
			)
		seen = {}
		for row in self.days:
			day = getdate(row.date)
			if day in seen:
				frappe.throw(
					_("Row {0}: {1} is already entered in row {2}").format(row.idx, row.date, seen[day])
				)
			seen[day] = row.idx
		# keep the table in date order so an admin can read a year at a glance
		self.days.sort(key=lambda r: getdate(r.date))
		for idx, row in enumerate(self.days, start=1):
			row.idx = idx

	def on_update(self):
		self._drop_cache()
		from hsq_app.complaints import sla

		sla.on_calendar_change(self.name)

	def on_trash(self):
		if frappe.db.get_single_value("HSQ Settings", "default_work_calendar") == self.name:
			frappe.throw(_("{0} is the default work calendar in HSQ Settings").format(self.name))
		self._drop_cache()

	def after_rename(self, old, new, merge=False):
		work_calendar.clear_cache(old)
		work_calendar.clear_cache(new)

	def _drop_cache(self):
		work_calendar.clear_cache(self.name)
		# drop it again once the edit is final: another process may have cached the old rows
		# meanwhile, and a rolled-back edit must not stay cached either
		frappe.db.after_commit.add(lambda name=self.name: work_calendar.clear_cache(name))
		frappe.db.after_rollback.add(lambda name=self.name: work_calendar.clear_cache(name))


def source_version() -> str:
	"""The installed version of the holiday source (the ``chinesecalendar`` package)."""
	from importlib.metadata import PackageNotFoundError, version

	try:
		return version("chinesecalendar")
	except PackageNotFoundError:
		return "?"


@frappe.whitelist(methods=["POST"])
def import_year(calendar: str, year: int | str) -> dict:
	"""Add one year's holidays and make-up workdays (调休) from the holiday source to a calendar.

	Idempotent: a date the calendar already has keeps its row (an admin's entry wins); rows of
	other years are never touched. ``covered_until`` moves to the year's last day when it was
	earlier. Throws (in the user's language) when the source does not have the year yet.
	"""
	from hsq_app.complaints.sla.defaults import official_schedule

	year = cint(year)
	doc = frappe.get_doc("HSQ Work Calendar", calendar)
	doc.check_permission("write")
	covered = getdate(doc.covered_until) if doc.covered_until else None
	# a gap would leave a year marked as entered without its holidays: import the years between too
	years = list(range(covered.year + 1, year + 1)) if covered and covered.year < year else [year]
	schedule = official_schedule()
	for each in years:
		if not schedule.get(each):
			frappe.throw(
				_(
					"The holiday source (chinesecalendar {0}) does not have the schedule of {1} yet. The State Council publishes it around November; update the package or enter the days by hand."
				).format(source_version(), each),
				title=_("No holiday schedule for {0} yet").format(each),
			)
	present = {getdate(row.date) for row in doc.days}
	added = 0
	for each in years:
		for day, day_type, description in schedule[each]:
			if day not in present:
				doc.append("days", {"date": day, "day_type": day_type, "description": description})
				added += 1
	end = dt.date(year, 12, 31)
	moved = not covered or covered < end
	if moved:
		doc.covered_until = end
	if added or moved:
		doc.save()
	return {"year": year, "added": added, "covered_until": str(doc.covered_until)}

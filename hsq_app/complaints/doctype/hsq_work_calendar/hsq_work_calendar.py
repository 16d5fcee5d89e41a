# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

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

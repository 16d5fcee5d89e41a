"""Chinese working-day arithmetic: weekends off, State Council holidays and 调休 make-up workdays.

An **HSQ Work Calendar** overrides the Monday-to-Friday week with dated rows (a Holiday on a
weekday, a Workday on a weekend) up to its ``covered_until`` date; past that date only weekends
count and every answer that relied on them is *provisional* (the State Council publishes each
year's schedule around November, and an admin enters it).

A calendar is loaded once into a :class:`WorkCalendar` (sets of day ordinals and the two working
periods) and cached in Redis and in the process (``frappe.cache.hget``), so arithmetic never queries
per day. Saving or deleting an HSQ Work Calendar drops its cache entry (:func:`clear_cache`).

Dates: a deadline of *n working days* counts from the day after ``start`` (开始的当日不计入).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate, to_timedelta

from hsq_app.utils.lookups import single_value

CACHE_KEY = "hsq_work_calendar"
NO_CALENDAR = "__weekends_only__"
DEFAULT_PERIODS = ((8 * 3600, 12 * 3600), (14 * 3600, 17 * 3600 + 1800))
DAY = dt.timedelta(days=1)


def _weekday(ordinal: int) -> int:
	"""0 Monday … 6 Sunday (date.fromordinal(1) is a Monday)."""
	return (ordinal - 1) % 7


@dataclass(frozen=True)
class WorkCalendar:
	"""A work calendar loaded into memory. Pure: no method touches the database."""

	name: str | None = None
	covered_until: dt.date | None = None
	holidays: frozenset[int] = field(default_factory=frozenset)  # date ordinals
	workdays: frozenset[int] = field(default_factory=frozenset)
	periods: tuple[tuple[float, float], ...] = DEFAULT_PERIODS  # seconds after midnight

	# -- days ---------------------------------------------------------------------------------

	def _works(self, ordinal: int) -> bool:
		if ordinal in self.holidays:
			return False
		if ordinal in self.workdays:
			return True
		return _weekday(ordinal) < 5

	def is_working_day(self, day) -> bool:
		return self._works(_to_date(day).toordinal())

	def is_provisional(self, day) -> bool:
		"""True when ``day`` lies past the entered schedule (weekends-only guess)."""
		return self.covered_until is None or _to_date(day) > self.covered_until

	def add_working_days(self, start, days: int) -> dt.date:
		"""The date ``days`` working days after ``start`` (before it when negative)."""
		n = _whole(days)
		ordinal = _to_date(start).toordinal()
		step = 1 if n >= 0 else -1
		remaining = abs(n)
		while remaining:
			ordinal += step
			if self._works(ordinal):
				remaining -= 1
		return dt.date.fromordinal(ordinal)

	def next_working_day(self, day, include_self: bool = True) -> dt.date:
		day = _to_date(day)
		if include_self and self.is_working_day(day):
			return day
		return self.add_working_days(day, 1)

	# -- hours --------------------------------------------------------------------------------

	@property
	def hours_per_day(self) -> float:
		return sum(end - start for start, end in self.periods) / 3600

	@property
	def day_end(self) -> dt.timedelta:
		"""When the working day ends (the deadline time of a day-counted limit)."""
		return dt.timedelta(seconds=self.periods[-1][1])

	def end_of_day(self, day) -> dt.datetime:
		return dt.datetime.combine(_to_date(day), dt.time()) + self.day_end

	def add_working_hours(self, start, hours: float) -> dt.datetime:
		"""The instant ``hours`` working hours after ``start`` (before it when negative)."""
		start = get_datetime(start)
		if hours < 0:
			return self.subtract_working_hours(start, -hours)
		return self._walk(start, hours * 3600, forward=True)

	def subtract_working_hours(self, end, hours: float) -> dt.datetime:
		"""The latest instant ``t`` with ``working_hours_between(t, end) == hours``.

		So ``working_hours_between(x, end) >= hours`` exactly when ``x <= subtract_working_hours(end, hours)``,
		which lets a job turn "more than h working hours overdue" into one indexed comparison.
		"""
		end = get_datetime(end)
		if hours < 0:
			return self.add_working_hours(end, -hours)
		return self._walk(end, hours * 3600, forward=False)

	def _walk(self, moment: dt.datetime, remaining: float, forward: bool) -> dt.datetime:
		"""Walk ``remaining`` working seconds from ``moment``, forward or backward through the days."""
		if not remaining:
			return moment
		day, t = moment.date(), _seconds(moment)
		periods = self.periods if forward else list(reversed(self.periods))
		while True:
			if self._works(day.toordinal()):
				for begin, end in periods:
					# the part of this period on the walk's side of t
					lo, hi = (max(t, begin), end) if forward else (begin, min(t, end))
					if hi <= lo:
						continue
					if remaining <= hi - lo:
						return _at(day, lo + remaining if forward else hi - remaining)
					remaining -= hi - lo
			day, t = (day + DAY, 0.0) if forward else (day - DAY, 86400.0)

	def working_hours_between(self, a, b) -> float:
		"""Working hours from ``a`` to ``b`` (negative when ``b`` is before ``a``). The whole days in
		between are counted, not walked: a complaint two years overdue costs what a day's does."""
		a, b = get_datetime(a), get_datetime(b)
		if b < a:
			return -self.working_hours_between(b, a)
		first, last = a.date().toordinal(), b.date().toordinal()
		if first == last:
			return self._day_seconds(first, _seconds(a), _seconds(b)) / 3600
		total = self._day_seconds(first, _seconds(a), 86400.0) + self._day_seconds(last, 0.0, _seconds(b))
		total += self.working_days_between(first + 1, last - 1) * sum(
			end - begin for begin, end in self.periods
		)
		return total / 3600

	def _day_seconds(self, ordinal: int, lo: float, hi: float) -> float:
		"""Working seconds of one day between ``lo`` and ``hi`` (seconds after midnight)."""
		if not self._works(ordinal):
			return 0.0
		return sum(max(0.0, min(hi, end) - max(lo, begin)) for begin, end in self.periods)

	def working_days_between(self, first: int, last: int) -> int:
		"""How many working days from ordinal ``first`` to ``last`` (inclusive): the weekdays, less
		the holidays on a weekday, plus the make-up workdays on a weekend."""
		if last < first:
			return 0
		weeks, rest = divmod(last - first + 1, 7)
		weekdays = weeks * 5 + sum(1 for o in range(first, first + rest) if _weekday(o) < 5)
		off = bisect_right(self._weekday_holidays, last) - bisect_left(self._weekday_holidays, first)
		on = bisect_right(self._weekend_workdays, last) - bisect_left(self._weekend_workdays, first)
		return weekdays - off + on

	@cached_property
	def _weekday_holidays(self) -> tuple[int, ...]:
		return tuple(sorted(o for o in self.holidays if _weekday(o) < 5))

	@cached_property
	def _weekend_workdays(self) -> tuple[int, ...]:
		return tuple(sorted(o for o in self.workdays - self.holidays if _weekday(o) >= 5))


# -- module API (contract) ---------------------------------------------------------------------


def add_working_days(start, days: int, calendar: str | None = None) -> dt.date:
	"""The date ``days`` working days after ``start`` (a date or datetime), skipping weekends and
	holidays and honouring make-up workdays (调休)."""
	return get_calendar(calendar).add_working_days(start, days)


def is_working_day(day, calendar: str | None = None) -> bool:
	return get_calendar(calendar).is_working_day(day)


def is_provisional(day, calendar: str | None = None) -> bool:
	"""True when ``day`` is past the calendar's ``covered_until`` (weekends-only guess)."""
	return get_calendar(calendar).is_provisional(day)


def add_working_hours(start, hours: float, calendar: str | None = None) -> dt.datetime:
	return get_calendar(calendar).add_working_hours(start, hours)


def subtract_working_hours(end, hours: float, calendar: str | None = None) -> dt.datetime:
	return get_calendar(calendar).subtract_working_hours(end, hours)


def working_hours_between(a, b, calendar: str | None = None) -> float:
	return get_calendar(calendar).working_hours_between(a, b)


# -- loading and cache -------------------------------------------------------------------------


def default_calendar_name() -> str | None:
	# asked by every complaint's save: Frappe's get_single_value, in plain SQL (hsq_app.utils.lookups)
	return single_value("HSQ Settings", "default_work_calendar", "Link")


def get_calendar(calendar: str | None = None) -> WorkCalendar:
	"""The named calendar (default: HSQ Settings' default), from cache. With no calendar at all,
	a weekends-only calendar whose every date is provisional."""
	if isinstance(calendar, WorkCalendar):
		return calendar
	name = calendar or default_calendar_name()
	if not name:
		return WorkCalendar()
	return frappe.cache.hget(CACHE_KEY, name, generator=lambda: load_calendar(name))


def load_calendar(name: str) -> WorkCalendar:
	"""Read one calendar from the database (two queries)."""
	row = frappe.db.get_value(
		"HSQ Work Calendar",
		name,
		["name", "covered_until", "morning_start", "morning_end", "afternoon_start", "afternoon_end"],
		as_dict=True,
	)
	if not row:
		frappe.throw(_("Work calendar {0} does not exist").format(name), frappe.DoesNotExistError)
	days = frappe.get_all(
		"HSQ Work Calendar Day",
		filters={"parent": name, "parenttype": "HSQ Work Calendar", "parentfield": "days"},
		fields=["date", "day_type"],
		order_by="date asc",
	)
	cal = WorkCalendar(
		name=row.name,
		covered_until=getdate(row.covered_until) if row.covered_until else None,
		holidays=frozenset(getdate(d.date).toordinal() for d in days if d.day_type == "Holiday"),
		workdays=frozenset(getdate(d.date).toordinal() for d in days if d.day_type == "Workday"),
		periods=periods_of(row),
	)
	# sorted once here and cached with the calendar, not again by every request that unpickles it
	for sorted_days in ("_weekday_holidays", "_weekend_workdays"):
		getattr(cal, sorted_days)
	return cal


def periods_of(row) -> tuple[tuple[float, float], ...]:
	"""The two working periods of a calendar row, in seconds after midnight."""

	def secs(value, fallback):
		return to_timedelta(value).total_seconds() if value not in (None, "") else fallback

	(ms, me), (as_, ae) = DEFAULT_PERIODS
	return (
		(secs(row.get("morning_start"), ms), secs(row.get("morning_end"), me)),
		(secs(row.get("afternoon_start"), as_), secs(row.get("afternoon_end"), ae)),
	)


def clear_cache(name: str | None = None) -> None:
	"""Drop one calendar (or all) from the cache. Also after a rollback of the edit that cached it."""
	if name:
		frappe.cache.hdel(CACHE_KEY, name)
	else:
		frappe.cache.delete_value(CACHE_KEY)
		frappe.local.cache.pop(frappe.cache.make_key(CACHE_KEY), None)


# -- helpers -----------------------------------------------------------------------------------


def _to_date(value) -> dt.date:
	if isinstance(value, dt.datetime):
		return value.date()
	if isinstance(value, dt.date):
		return value
	return getdate(value)


def _whole(days) -> int:
	if isinstance(days, float):
		if not days.is_integer():
			raise ValueError(f"add_working_days takes whole days, got {days}")
		return int(days)
	return int(days)


def _seconds(moment: dt.datetime) -> float:
	return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6


def _at(day: dt.date, seconds: float) -> dt.datetime:
	return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=round(seconds, 6))

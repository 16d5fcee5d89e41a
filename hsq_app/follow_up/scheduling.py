"""Follow-up schedules: stages after discharge, due dates on working days, assignment, overdue marking.

Pure planning (:func:`parse_offsets`, :func:`plan_stages`) is kept apart from the database so
that the bulk import and the one-document path schedule identically.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from datetime import date, timedelta

import frappe
from frappe import _
from frappe.utils import getdate, today

from hsq_app.follow_up.questionnaire import active_templates
from hsq_app.roles import FOLLOW_UP_AGENT

try:  # the work calendar is its own module (holidays, 调休); fall back to Monday-Friday without it
	from hsq_app.utils import work_calendar as _work_calendar
except ImportError:  # pragma: no cover - the module ships with the app
	_work_calendar = None

OPEN_STATUSES = ("Pending", "Overdue")
OUTCOME_STATUSES = ("Completed", "Unreachable", "Refused")
ASSIGN_ATTENDING = "Attending Staff"
ASSIGN_BALANCED = "Balanced Across Agents"
MAX_ROLL_DAYS = 60  # no holiday run in China is this long; guards against a calendar with no workdays


class InvalidOffsetsError(frappe.ValidationError):
	pass


def parse_offsets(value: str | None) -> list[int]:
	"""'0, 7,30' -> [0, 7, 30]: sorted, distinct, non-negative whole days (Chinese commas allowed)."""
	days = set()
	for part in (value or "").replace("，", ",").replace("、", ",").split(","):
		part = part.strip()
		if not part:
			continue
		if not part.isdigit():
			frappe.throw(
				_("Follow-up stages must be whole days separated by commas, not {0}").format(part),
				InvalidOffsetsError,
			)
		days.add(int(part))
	return sorted(days)


def _fallback_is_working_day(day: date) -> bool:
	"""Monday to Friday: used only while hsq_app.utils.work_calendar has no is_working_day."""
	return day.weekday() < 5


def working_day_checker(calendar: str | None = None) -> Callable[[date], bool]:
	"""An is-working-day test for one scheduling run, memoised per date (imports ask thousands of times)."""
	real = getattr(_work_calendar, "is_working_day", None)
	memo: dict[date, bool] = {}

	def check(day: date) -> bool:
		if day not in memo:
			if real is None:
				memo[day] = _fallback_is_working_day(day)
			elif calendar:
				memo[day] = bool(real(day, calendar))
			else:
				memo[day] = bool(real(day))
		return memo[day]

	return check


def next_working_day(day: date, is_working_day: Callable[[date], bool]) -> date:
	"""The day itself if it is a working day, else the first working day after it."""
	for _i in range(MAX_ROLL_DAYS):
		if is_working_day(day):
			return day
		day += timedelta(days=1)
	frappe.throw(_("The work calendar has no working day within {0} days of {1}").format(MAX_ROLL_DAYS, day))


class FollowUpSettings(frappe._dict):
	"""What scheduling needs from HSQ Settings, read once per run."""

	@classmethod
	def load(cls) -> FollowUpSettings:
		values = frappe.db.get_singles_dict("HSQ Settings")
		normal = parse_offsets(values.get("follow_up_offsets") or "0,7,30")
		special = parse_offsets(values.get("special_follow_up_offsets"))
		return cls(
			offsets=normal,
			# special patients get the extra stages on top of everyone's
			special_offsets=sorted(set(normal) | set(special)),
			assignment=values.get("follow_up_assignment") or ASSIGN_ATTENDING,
			calendar=values.get("default_work_calendar") or None,
		)


def plan_stages(
	discharge_date: date, is_special: bool, settings: FollowUpSettings, is_working_day: Callable[[date], bool]
) -> list[tuple[int, date]]:
	"""[(stage_days, due_date)] for one discharge; due dates rolled forward to working days."""
	discharge_date = getdate(discharge_date)
	offsets = settings.special_offsets if is_special else settings.offsets
	return [
		(days, next_working_day(discharge_date + timedelta(days=days), is_working_day)) for days in offsets
	]


# ------------------------------------------------------------------------------------------------
# assignment
# ------------------------------------------------------------------------------------------------


def _active_agents(where, *fields):
	"""Active posts whose login is an enabled user with the Follow Up Agent role."""
	staff = frappe.qb.DocType("HSQ Staff")
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(staff)
		.join(has_role)
		.on((has_role.parent == staff.user) & (has_role.parenttype == "User"))
		.join(user)
		.on(user.name == staff.user)
		.select(*(staff[f] for f in fields))
		.distinct()
		.where(
			where(staff)
			& (staff.status == "Active")
			& (has_role.role == FOLLOW_UP_AGENT)
			& (user.enabled == 1)
		)
		.run(as_dict=True)
	)


def institution_agents(institutions: Iterable[str]) -> dict[str, list[str]]:
	"""{institution: [users]}: enabled users with the Follow Up Agent role and an active post there."""
	institutions = list(set(institutions))
	if not institutions:
		return {}
	agents: dict[str, list[str]] = {}
	for row in _active_agents(lambda staff: staff.institution.isin(institutions), "institution", "user"):
		agents.setdefault(row.institution, []).append(row.user)
	return agents


def open_load(users: Iterable[str]) -> dict[str, int]:
	"""Open (pending or overdue) follow-ups per assigned user."""
	users = list(set(users))
	if not users:
		return {}
	rows = frappe.get_all(
		"HSQ Follow Up",
		filters={"assigned_to": ("in", users), "status": ("in", OPEN_STATUSES)},
		fields=["assigned_to", "count(*) as n"],
		group_by="assigned_to",
	)
	return {r.assigned_to: r.n for r in rows}


def staff_users_who_call(staff_names: Iterable[str]) -> dict[str, str]:
	"""{HSQ Staff: user} for attending staff whose login is an active follow-up agent."""
	staff_names = list({s for s in staff_names if s})
	if not staff_names:
		return {}
	rows = _active_agents(lambda staff: staff.name.isin(staff_names), "name", "user")
	return {r.name: r.user for r in rows}


class Assigner:
	"""Chooses the agent for each discharge's follow-ups during one scheduling run.

	"Attending Staff": the attending staff's login when it is an active follow-up agent (doctors
	who call their own patients), otherwise balanced. "Balanced Across Agents": the institution's
	agent with the fewest open follow-ups, counting the ones assigned earlier in this run; ties go
	to the user name in order, so a run is deterministic.
	"""

	def __init__(self, mode: str, institutions: Iterable[str], attending_staff: Iterable[str] = ()):
		self.mode = mode
		self.agents = institution_agents(institutions)
		load = open_load(u for users in self.agents.values() for u in users)
		self.heaps: dict[str, list[tuple[int, str]]] = {}
		for institution, users in self.agents.items():
			heap = [(load.get(u, 0), u) for u in users]
			heapq.heapify(heap)
			self.heaps[institution] = heap
		self.attending_users = staff_users_who_call(attending_staff) if mode == ASSIGN_ATTENDING else {}

	def assign(self, institution: str, attending_staff: str | None, stages: int) -> str | None:
		if self.mode == ASSIGN_ATTENDING and attending_staff in self.attending_users:
			return self.attending_users[attending_staff]
		heap = self.heaps.get(institution)
		if not heap:
			return None
		load, user = heapq.heappop(heap)
		heapq.heappush(heap, (load + stages, user))
		return user


# ------------------------------------------------------------------------------------------------
# one discharge record
# ------------------------------------------------------------------------------------------------


def initial_status(due_date: date, on: date) -> str:
	return "Overdue" if getdate(due_date) < on else "Pending"


def schedule_for_record(doc) -> list[str]:
	"""The one-document path: follow-ups for a discharge record saved in the form, one insert each."""
	settings = FollowUpSettings.load()
	stages = plan_stages(doc.discharge_date, doc.is_special, settings, working_day_checker(settings.calendar))
	agent = Assigner(settings.assignment, [doc.institution], [doc.attending_staff]).assign(
		doc.institution, doc.attending_staff, len(stages)
	)
	template = active_templates([doc.institution]).get(doc.institution)
	on = getdate(today())
	names = []
	for stage_days, due_date in stages:
		follow_up = frappe.get_doc(
			{
				"doctype": "HSQ Follow Up",
				"discharge_record": doc.name,
				"stage_days": stage_days,
				"due_date": due_date,
				"assigned_to": agent,
				"status": initial_status(due_date, on),
				"questionnaire_template": template,
			}
		)
		# scheduling is the system's consequence of the discharge the user may record
		follow_up.insert(ignore_permissions=True)
		names.append(follow_up.name)
	return names


# ------------------------------------------------------------------------------------------------
# the scheduled job
# ------------------------------------------------------------------------------------------------


def mark_overdue(on: date | str | None = None) -> int:
	"""Daily: pending follow-ups past their due date become Overdue (one set-based UPDATE)."""
	on = getdate(on or today())
	from hsq_app.follow_up import store

	fu = frappe.qb.DocType("HSQ Follow Up")
	# through the follow-up door (Pending and Overdue are both "not yet done": no cell moves)
	return store.update_where((fu.status == "Pending") & (fu.due_date < on), {"status": "Overdue"})

"""Staff answers stay anonymous (issue 15): nothing that could point at a person, a department or a
moment of the day. Every time a staff answer keeps (``creation``, ``modified``, ``submitted_at``, its
items' times and its day cell's) is the midnight of its day: the day is enough for every figure, and
a time to the second, set beside a rota or a door log, could point at the respondent.

Used by the guest door's writer (hsq_app.survey.store), the HSQ Survey Response controller (any
other insert or save) and the per-day cells (hsq_app.survey.stats).
"""

from __future__ import annotations

from datetime import datetime

from frappe.utils import getdate, now_datetime


def is_anonymous(kind: str | None) -> bool:
	return kind == "Staff"


def day_start(value=None) -> datetime:
	"""Midnight of the day of ``value`` (today by default)."""
	return datetime.combine(getdate(value or now_datetime()), datetime.min.time())


def anonymize(doc) -> None:
	"""Strip a staff answer (a Document or a dict) of everything personal, keeping only its day."""
	doc.department = None
	doc.follow_up = None
	doc.wants_callback = 0
	doc.contact_phone = None
	stamp = day_start(doc.get("submitted_at"))
	doc.submitted_at = stamp
	doc.creation = doc.modified = stamp
	for row in doc.get("answers") or []:
		if not isinstance(row, dict):
			row.creation = row.modified = stamp


def cell_time(kind: str | None, submitted_at) -> datetime:
	"""The time a day cell records when it counts an answer (the day only for staff answers)."""
	return day_start(submitted_at) if is_anonymous(kind) else now_datetime()

"""The one door for writing HSQ Follow Up rows, so the per-day cells of
:mod:`hsq_app.follow_up.stats` always equal a rebuild.

Every writer goes through here: the form (``HSQFollowUp.on_update`` → :func:`saved`), the import
(:func:`insert_many`), the discharge record's cascade and the overdue job (:func:`update_where`),
and single-field writes such as the complaint a call raised (:func:`set_values`). Each recomputes
exactly the cells whose rows it changed, in the writing transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import frappe
from frappe.utils import getdate, now_datetime

from hsq_app.follow_up import stats
from hsq_app.follow_up.scheduling import OPEN_STATUSES
from hsq_app.utils.bulk import affected_rows, insert_rows

FOLLOW_UP = "HSQ Follow Up"
# fields a cell sums or is keyed by; a write that changes none of them changes no figure
COUNTED = frozenset(
	{
		"institution",
		"department",
		"due_date",
		"completed_at",
		"status",
		"overall_satisfaction",
		"issue_found",
		"complaint",
	}
)
CELL_KEY = ("institution", "department", "due_date", "completed_at", "status")


def saved(doc, before=None) -> None:
	"""A follow-up document was inserted or saved: the cells it was and is counted in."""
	stats.follow_up_changed(doc, before)


def set_values(doc, values: dict) -> None:
	"""Write ``values`` on a saved follow-up without a form save (db_set) and refresh its cells."""
	before = frappe._dict({f: doc.get(f) for f in CELL_KEY})
	doc.db_set(values)
	if set(values) & COUNTED:
		stats.follow_up_changed(doc, before)


def insert_many(fields: Sequence[str], records: list[dict], *, chunk_size: int = 2000) -> int:
	"""Bulk-insert follow-ups (``records`` keyed by ``fields``) and refresh the due-date cells of
	the days they fall on (one range per institution)."""
	if not records:
		return 0
	insert_rows(FOLLOW_UP, fields, [tuple(r.get(f) for f in fields) for r in records], chunk_size=chunk_size)
	stats.follow_ups_inserted([(r["institution"], r["due_date"]) for r in records])
	return len(records)


def update_where(condition, values: dict) -> int:
	"""Set ``values`` on every follow-up matching the frappe.qb ``condition`` (one set-based
	UPDATE) and refresh the cells of the rows whose figures moved, as they were and as they are."""
	fu = frappe.qb.DocType(FOLLOW_UP)
	moved = []
	if set(values) & COUNTED:
		rows = frappe.qb.from_(fu).select(*[fu[f] for f in CELL_KEY]).where(condition).run(as_dict=True)
		moved = [r for r in rows if _counts_differently(r, values)]
	query = frappe.qb.update(fu).set(fu.modified, now_datetime()).where(condition)
	for field, value in values.items():
		query = query.set(fu[field], value)
	query.run()
	count = affected_rows()
	_refresh([version for r in moved for version in (r, {**r, **values})])
	return count


def _status_group(status: str | None) -> str | None:
	return "open" if status in OPEN_STATUSES else status


def _counts_differently(row: dict, values: dict) -> bool:
	"""Would ``values`` move ``row`` to other cells or change what its cells sum?"""
	for field, value in values.items():
		if field not in COUNTED:
			continue
		if field == "status":
			if _status_group(row["status"]) != _status_group(value):
				return True
		elif field not in row or row[field] != value:
			return True
	return False


def _refresh(versions: list[dict]) -> None:
	"""Recompute the cells of these row versions: one day range per institution and department."""
	due, done = defaultdict(list), defaultdict(list)
	for v in versions:
		key = (v["institution"], v.get("department") or None)
		if v.get("due_date"):
			due[key].append(getdate(v["due_date"]))
		if v.get("completed_at"):
			done[key].append(getdate(v["completed_at"]))
	for (institution, department), days in due.items():
		stats.refresh_due(institution, min(days), max(days), department)
	for (institution, department), days in done.items():
		stats.refresh_completed(institution, min(days), max(days), department)

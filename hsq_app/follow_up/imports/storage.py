"""Bulk storage of an import: every row validated (hsq_app.follow_up.imports.rows), duplicates and
invalid rows reported by index, the valid ones stored with their follow-ups in a handful of
multi-row INSERTs inside the caller's transaction (an error rolls the whole batch back: nothing is
ever stored half-way). Follow-ups go through their door, hsq_app.follow_up.store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import getdate, now_datetime, today

from hsq_app.follow_up import stats
from hsq_app.follow_up.imports.rows import (
	ERROR_SEPARATOR,
	FIELDS,
	ImportContext,
	_text,
	clean_record,
	record_key,
)
from hsq_app.follow_up.questionnaire import active_templates
from hsq_app.follow_up.scheduling import (
	Assigner,
	FollowUpSettings,
	initial_status,
	plan_stages,
	working_day_checker,
)
from hsq_app.follow_up.store import insert_many as insert_follow_ups
from hsq_app.permissions import visible_institutions
from hsq_app.utils.bulk import dict_rows, insert_rows
from hsq_app.utils.naming import reserve_names

DISCHARGE = "HSQ Discharge Record"
FOLLOW_UP = "HSQ Follow Up"
DISCHARGE_SERIES = "DR-.YYYY.-.######"
FOLLOW_UP_SERIES = "FU-.YYYY.-.#######"
CHUNK = 2000  # rows per INSERT statement (well under max_allowed_packet)
STANDARD_COLUMNS = ("name", "creation", "modified", "owner", "modified_by", "docstatus", "idx")
# what a follow-up copies from its discharge record
COPIED_FIELDS = ("patient_name", "patient_phone", "is_special", "institution", "department", "discharge_date")
FOLLOW_UP_COLUMNS = (
	*STANDARD_COLUMNS,
	"discharge_record",
	*COPIED_FIELDS,
	"stage_days",
	"due_date",
	"assigned_to",
	"status",
	"channel",
	"attempts",
	"overall_satisfaction",
	"questionnaire_template",
)


def existing_discharges(keys: Iterable[tuple[str, str, date]]) -> dict[tuple, str]:
	"""{(institution, medical record no, discharge date): name} of the keys already stored."""
	keys = set(keys)
	by_institution: dict[str, set[str]] = defaultdict(set)
	for institution, mrn, _day in keys:
		by_institution[institution].add(mrn)
	found = {}
	dr = DocType(DISCHARGE)
	for institution, mrns in by_institution.items():
		mrns = sorted(mrns)
		for start in range(0, len(mrns), 1000):
			rows = (
				frappe.qb.from_(dr)
				.select(dr.name, dr.medical_record_no, dr.discharge_date)
				.where(
					(dr.institution == institution) & dr.medical_record_no.isin(mrns[start : start + 1000])
				)
				.run(as_dict=True)
			)
			for r in rows:
				key = (institution, r.medical_record_no, getdate(r.discharge_date))
				if key in keys:
					found[key] = r.name
	return found


def import_records(
	records: list,
	*,
	default_institution: str | None = None,
	source_import: str | None = None,
	progress: Callable[[int, str], None] | None = None,
) -> dict:
	"""Validate every row, store the valid ones with their follow-ups in bulk, report the rest.

	Returns ``{"created", "skipped_duplicates", "follow_ups", "invalid": [{"index", "error"}],
	"duplicates": [{"index", "error"}]}``; indexes are 0-based positions in ``records``.
	The caller must be allowed to create discharge records; rows for institutions the caller
	may not see are reported invalid.
	"""
	if not isinstance(records, list):
		frappe.throw(_("records must be a list of discharge records"))
	if not frappe.has_permission(DISCHARGE, "create"):
		frappe.throw(_("You are not allowed to import discharge records"), frappe.PermissionError)
	report = progress or (lambda percent, stage: None)
	allowed = visible_institutions()
	allowed = None if allowed is None else set(allowed)
	context = ImportContext(
		[_text(r.get("institution")) or default_institution for r in records if isinstance(r, dict)]
	)
	on = getdate(today())

	invalid, duplicates, valid, first_seen = _validate_rows(
		records, context, allowed, default_institution, on, report
	)
	new = _drop_stored(valid, first_seen, duplicates)
	duplicates.sort(key=lambda d: d["index"])
	report(50, _("Scheduling follow-ups"))
	follow_ups = store(new, source_import=source_import, on=on, progress=report)
	report(100, _("Done"))
	return {
		"created": len(new),
		"skipped_duplicates": len(duplicates),
		"follow_ups": follow_ups,
		"invalid": invalid,
		"duplicates": duplicates,
	}


def _validate_rows(records, context, allowed, default_institution, on, report):
	"""(invalid, duplicates within the batch, valid values, key -> first index) of the batch."""
	invalid, duplicates, valid = [], [], []
	first_seen: dict[tuple, int] = {}
	for index, raw in enumerate(records):
		values, errors = clean_record(
			raw, context, allowed_institutions=allowed, default_institution=default_institution, on=on
		)
		if errors:
			invalid.append({"index": index, "error": ERROR_SEPARATOR.join(errors)})
			continue
		key = record_key(values)
		if key in first_seen:
			duplicates.append(
				{
					"index": index,
					"error": _(
						"Same institution, medical record number and discharge date as an earlier row"
					),
				}
			)
			continue
		first_seen[key] = index
		valid.append(values)
		if index and index % 2000 == 0:
			report(int(40 * index / len(records)), _("Validating rows"))
	return invalid, duplicates, valid, first_seen


def _drop_stored(valid: list[dict], first_seen: dict, duplicates: list) -> list[dict]:
	"""The valid rows not stored yet; the others are reported among the duplicates."""
	existing = existing_discharges(first_seen)
	new = []
	for values in valid:
		key = record_key(values)
		if key in existing:
			duplicates.append(
				{
					"index": first_seen[key],
					"error": _("Already imported as discharge record {0}").format(existing[key]),
				}
			)
		else:
			new.append(values)
	return new


def store(
	rows: list[dict],
	*,
	source_import: str | None = None,
	on: date | None = None,
	progress: Callable[[int, str], None] | None = None,
) -> int:
	"""Bulk-insert clean discharge rows and their scheduled follow-ups; returns the follow-ups made."""
	if not rows:
		return 0
	on = on or getdate(today())
	settings = FollowUpSettings.load()
	is_working_day = working_day_checker(settings.calendar)
	institutions = {r["institution"] for r in rows}
	assigner = Assigner(settings.assignment, institutions, (r["attending_staff"] for r in rows))
	templates = active_templates(institutions)
	now, user = now_datetime(), frappe.session.user
	standard = dict(zip(STANDARD_COLUMNS[1:], (now, now, user, user, 0, 0), strict=True))  # all but the name

	discharge_names = reserve_names(DISCHARGE_SERIES, len(rows))
	plans = [plan_stages(r["discharge_date"], r["is_special"], settings, is_working_day) for r in rows]
	follow_up_names = iter(reserve_names(FOLLOW_UP_SERIES, sum(len(p) for p in plans)))

	discharges, follow_ups = [], []
	for name, row, stages in zip(discharge_names, rows, plans, strict=True):
		discharges.append({**row, **standard, "name": name, "source_import": source_import})
		agent = assigner.assign(row["institution"], row["attending_staff"], len(stages))
		for stage_days, due_date in stages:
			follow_ups.append(
				{
					**standard,
					**{f: row[f] for f in COPIED_FIELDS},
					"name": next(follow_up_names),
					"discharge_record": name,
					"stage_days": stage_days,
					"due_date": due_date,
					"assigned_to": agent,
					"status": initial_status(due_date, on),
					"channel": "Phone",
					"attempts": 0,
					"overall_satisfaction": 0,
					"questionnaire_template": templates.get(row["institution"]),
				}
			)
	discharge_columns = [*STANDARD_COLUMNS, *FIELDS, "source_import"]
	insert_rows(DISCHARGE, discharge_columns, dict_rows(discharge_columns, discharges), chunk_size=CHUNK)
	stats.discharges_inserted([(r["institution"], r["discharge_date"]) for r in rows])  # the per-day counts
	if progress:
		progress(70, _("Storing follow-ups"))
	# through the follow-up door: it refreshes the per-day figures of the days they fall on
	return insert_follow_ups(FOLLOW_UP_COLUMNS, follow_ups, chunk_size=CHUNK)

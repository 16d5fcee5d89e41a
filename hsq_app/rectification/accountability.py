"""Accountability (问责): sanctions for staff and institutions by upheld complaints in a year.

**Counting.** A complaint counts when its ``workflow_state`` is "Closed" and its ``finding`` is
Upheld or Partially Upheld. It counts in the calendar year of ``received_at``, for every staff
member in ``staff_involved`` and for its ``institution``. A rule with a category counts only
complaints of that category (the default institution ladder: Service Attitude).

**Proposals.** For every enabled rule whose threshold a subject reaches in a year, one
HSQ Accountability Record is proposed for that subject, year and rule, and never a second one
(a unique key, whatever the first one's status: a dismissed record is not proposed again).

**Recounts.** Counts are recomputed whenever a complaint's state, finding, staff, category,
institution or date changes (``doc_events`` on HSQ Complaint), and daily for the current year:

* a Proposed record follows the count (count and complaint rows updated); if its threshold is no
  longer reached it becomes Dismissed with the reason "复核后不再满足条件" (``auto_dismissed``);
* an auto-dismissed record whose threshold is reached again goes back to Proposed: it is the
  same proposal, not a new one. A record a bureau admin dismissed stays dismissed;
* an Approved record is the bureau's decision and keeps its figures; when the count falls below
  its threshold it is flagged ``needs_review`` (and unflagged when it is reached again).

Bureau admins decide with :func:`approve` and :func:`dismiss` (a reason is required).
"""

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import cint, cstr, get_datetime

from hsq_app import roles as R
from hsq_app.complaints import workflow as wf
from hsq_app.complaints.repeats import counted
from hsq_app.rectification.tasks import now

RECORD = "HSQ Accountability Record"
RULE = "HSQ Accountability Rule"
UPHELD = ("Upheld", "Partially Upheld")
AUTO_DISMISS_REASON = "复核后不再满足条件"
WATCHED_FIELDS = ("workflow_state", "finding", "institution", "category", "received_at")


class AccountabilityError(frappe.ValidationError):
	pass


# --------------------------------------------------------------------------------------------------
# complaint hook
# --------------------------------------------------------------------------------------------------


def counts(complaint) -> bool:
	return (
		complaint.get("workflow_state") == wf.CLOSED
		and complaint.get("finding") in UPHELD
		and not complaint.get("merged_into")
	)


def _staff(complaint) -> set[str]:
	return {r.staff for r in complaint.get("staff_involved") or [] if r.staff}


def _year(value) -> int | None:
	return get_datetime(value).year if value else None


def on_complaint_update(doc, method=None):
	"""HSQ Complaint on_update: recount the complaint's staff and institution when it matters."""
	before = doc.get_doc_before_save()
	if before is not None:
		if not (counts(doc) or counts(before)):
			return
		if _staff(doc) == _staff(before) and all(
			cstr(doc.get(f)) == cstr(before.get(f)) for f in WATCHED_FIELDS
		):
			return
	elif not counts(doc) and (doc.flags.in_insert or not _listed_in_records(doc.name)):
		# saved without a before-image (db_set, direct calls): only a complaint that counted before
		# can have left records behind (a new one has none: no query on every intake)
		return
	staff, institutions, years = _staff(doc), {doc.institution}, {_year(doc.received_at)}
	if before is not None:
		staff |= _staff(before)
		institutions.add(before.institution)
		years.add(_year(before.received_at))
	staff |= _staff_in_records(doc.name)
	recompute(staff=staff, institutions=institutions, years=years)


def _listed_in_records(complaint: str) -> bool:
	return bool(
		frappe.db.exists("HSQ Accountability Complaint", {"complaint": complaint, "parenttype": RECORD})
	)


def _staff_in_records(complaint: str) -> set[str]:
	"""Staff whose records list this complaint (it may since have been taken off the complaint)."""
	A, C = frappe.qb.DocType(RECORD), frappe.qb.DocType("HSQ Accountability Complaint")
	rows = (
		frappe.qb.from_(C)
		.join(A)
		.on(A.name == C.parent)
		.select(A.staff)
		.distinct()
		.where(C.parenttype == RECORD)
		.where(C.complaint == complaint)
		.where(A.subject_type == "Staff")
		.run()
	)
	return {r[0] for r in rows if r[0]}


# --------------------------------------------------------------------------------------------------
# counting and proposing
# --------------------------------------------------------------------------------------------------


def recompute(staff=(), institutions=(), years=()) -> None:
	rules = frappe.get_all(
		RULE,
		filters={"enabled": 1},
		fields=["name", "subject_type", "category", "threshold", "action"],
		order_by="threshold asc",
	)
	for year in sorted({y for y in years if y}):
		for subject in sorted({s for s in staff if s}):
			evaluate("Staff", subject, year, rules)
		for subject in sorted({i for i in institutions if i}):
			evaluate("Institution", subject, year, rules)


def qualifying_complaints(subject_type: str, subject: str, year: int) -> list[frappe._dict]:
	"""The subject's closed, upheld complaints received in the calendar year."""
	C = frappe.qb.DocType("HSQ Complaint")
	q = (
		frappe.qb.from_(C)
		.select(C.name, C.received_at, C.category, C.finding)
		.where(C.workflow_state == wf.CLOSED)
		.where(C.finding.isin(UPHELD))
		.where(counted(C))
		.where(C.received_at >= datetime(year, 1, 1))
		.where(C.received_at < datetime(year + 1, 1, 1))
		.orderby(C.received_at)
		.orderby(C.name)
	)
	if subject_type == "Staff":
		S = frappe.qb.DocType("HSQ Complaint Staff")
		q = (
			q.join(S)
			.on(
				(S.parent == C.name) & (S.parenttype == "HSQ Complaint") & (S.parentfield == "staff_involved")
			)
			.where(S.staff == subject)
			.distinct()
		)
	else:
		q = q.where(C.institution == subject)
	return q.run(as_dict=True)


def existing_records(subject_type: str, subject: str, year: int) -> dict[str, frappe._dict]:
	A = frappe.qb.DocType(RECORD)
	q = (
		frappe.qb.from_(A)
		.select(A.name, A.rule, A.status, A["count"], A.auto_dismissed, A.needs_review)
		.where(A.subject_type == subject_type)
		.where(A.year == year)
	)
	q = q.where(A.staff == subject) if subject_type == "Staff" else q.where(A.institution == subject)
	return {r.rule: r for r in q.run(as_dict=True)}


def evaluate(subject_type: str, subject: str, year: int, rules: list) -> list[str]:
	"""Bring the subject's records for the year in line with its count; returns records proposed."""
	rules = [r for r in rules if r.subject_type == subject_type]
	if not rules:
		return []
	complaints = qualifying_complaints(subject_type, subject, year)
	records = existing_records(subject_type, subject, year)
	proposed = []
	for rule in rules:
		matched = [c for c in complaints if not rule.category or c.category == rule.category]
		reached = len(matched) >= cint(rule.threshold)
		record = records.get(rule.name)
		if record is None:
			if reached:
				name = propose(subject_type, subject, year, rule, matched)
				if name:
					proposed.append(name)
		elif record.status == "Proposed":
			if reached:
				update_record(record.name, matched)
			else:
				update_record(record.name, matched, status="Dismissed", auto_dismissed=1)
		elif record.status == "Dismissed" and cint(record.auto_dismissed):
			if reached:
				update_record(record.name, matched, status="Proposed", auto_dismissed=0)
			else:
				update_record(record.name, matched)
		elif record.status == "Approved" and cint(record.needs_review) != (0 if reached else 1):
			frappe.db.set_value(RECORD, record.name, "needs_review", 0 if reached else 1)
	return proposed


def _rows(matched) -> list[dict]:
	return [
		{"complaint": c.name, "received_at": c.received_at, "category": c.category, "finding": c.finding}
		for c in matched
	]


def dedupe_key(subject_type: str, subject: str, year: int, rule: str) -> str:
	return f"{subject_type}|{subject}|{year}|{rule}"


def propose(subject_type: str, subject: str, year: int, rule, matched) -> str | None:
	institution = (
		subject if subject_type == "Institution" else frappe.db.get_value("HSQ Staff", subject, "institution")
	)
	doc = frappe.get_doc(
		{
			"doctype": RECORD,
			"subject_type": subject_type,
			"staff": subject if subject_type == "Staff" else None,
			"institution": institution,
			"year": year,
			"rule": rule.name,
			"category": rule.category,
			"threshold": rule.threshold,
			"count": len(matched),
			"action": rule.action,
			"status": "Proposed",
			"complaints": _rows(matched),
			"dedupe_key": dedupe_key(subject_type, subject, year, rule.name),
		}
	)
	doc.flags.hsq_system = True
	frappe.db.savepoint("hsq_accountability")
	try:
		doc.insert(ignore_permissions=True)
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		# proposed concurrently by another complaint's update: the unique key keeps it single
		frappe.db.rollback(save_point="hsq_accountability")
		return None
	return doc.name


def update_record(name: str, matched, **changes) -> None:
	doc = frappe.get_doc(RECORD, name)
	same_rows = [r.complaint for r in doc.complaints] == [c.name for c in matched]
	if same_rows and cint(doc.count) == len(matched) and all(doc.get(k) == v for k, v in changes.items()):
		return
	doc.count = len(matched)
	doc.set("complaints", _rows(matched))
	doc.update(changes)
	if changes.get("status") == "Dismissed":
		doc.dismiss_reason = AUTO_DISMISS_REASON
		doc.decided_by, doc.decided_at = None, now()
	elif changes.get("status") == "Proposed":
		doc.dismiss_reason = doc.decided_by = doc.decided_at = None
	doc.flags.hsq_system = True
	doc.save(ignore_permissions=True)


def recompute_year(year: int) -> None:
	"""Recount every subject with counting complaints or live records in the year."""
	C, S, A = (
		frappe.qb.DocType("HSQ Complaint"),
		frappe.qb.DocType("HSQ Complaint Staff"),
		frappe.qb.DocType(RECORD),
	)
	start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
	counting = (
		(C.workflow_state == wf.CLOSED)
		& C.finding.isin(UPHELD)
		& (C.received_at >= start)
		& (C.received_at < end)
		& counted(C)
	)
	staff = {
		r[0]
		for r in frappe.qb.from_(C)
		.join(S)
		.on((S.parent == C.name) & (S.parenttype == "HSQ Complaint") & (S.parentfield == "staff_involved"))
		.select(S.staff)
		.distinct()
		.where(counting)
		.run()
	}
	institutions = {r[0] for r in frappe.qb.from_(C).select(C.institution).distinct().where(counting).run()}
	live = (
		frappe.qb.from_(A)
		.select(A.subject_type, A.staff, A.institution)
		.where(A.year == year)
		.where((A.status != "Dismissed") | (A.auto_dismissed == 1))
		.run(as_dict=True)
	)
	for r in live:
		if r.subject_type == "Staff":
			staff.add(r.staff)
		else:
			institutions.add(r.institution)
	recompute(staff=staff, institutions=institutions, years=[year])


def recompute_current_year() -> None:
	"""Daily job: catch up with rule edits and anything saved without hooks."""
	recompute_year(now().year)


@frappe.whitelist(methods=["POST"])
def recount(year: int | None = None) -> None:
	"""Bureau admins: recount a year now (e.g. after editing the rules)."""
	require_bureau_admin()
	recompute_year(cint(year) or now().year)


# --------------------------------------------------------------------------------------------------
# decisions
# --------------------------------------------------------------------------------------------------


def require_bureau_admin() -> None:
	if R.BUREAU_ADMIN not in frappe.get_roles():
		frappe.throw(_("Only the bureau's administrators decide on accountability"), frappe.PermissionError)


def decide(doc, status: str, reason: str | None = None) -> dict:
	"""A bureau admin approves or dismisses a proposed record (HSQAccountabilityRecord's methods)."""
	require_bureau_admin()
	doc.load_from_db()  # a desk call may send the document: decide on what is stored
	doc.check_permission("read")
	if doc.status != "Proposed":
		frappe.throw(_("Only a proposed accountability record can be decided"), AccountabilityError)
	if status == "Dismissed" and not cstr(reason).strip():
		frappe.throw(_("Please give the reason for dismissing"), AccountabilityError)
	doc.status = status
	doc.decided_by, doc.decided_at = frappe.session.user, now()
	doc.dismiss_reason = cstr(reason).strip() or None
	doc.auto_dismissed = 0
	doc.flags.hsq_system = True
	doc.save(ignore_permissions=True)
	return {"name": doc.name, "status": doc.status}


# --------------------------------------------------------------------------------------------------
# record controller
# --------------------------------------------------------------------------------------------------


def validate_record(doc) -> None:
	"""Records are written by the recount and by the decisions above, never edited by hand."""
	if not doc.flags.hsq_system:
		if doc.is_new():
			frappe.throw(_("Accountability records are proposed by the system"), AccountabilityError)
		before = doc.get_doc_before_save()
		editable = {"modified", "modified_by"}
		for df in doc.meta.fields:
			if df.fieldname in editable or df.fieldtype in ("Section Break", "Column Break", "Table"):
				continue
			if cstr(doc.get(df.fieldname)) != cstr(before.get(df.fieldname)):
				frappe.throw(
					_("Accountability records change only through approval or dismissal"), AccountabilityError
				)
	doc.dedupe_key = dedupe_key(
		doc.subject_type, doc.staff if doc.subject_type == "Staff" else doc.institution, doc.year, doc.rule
	)


def on_trash_record(doc) -> None:
	frappe.throw(_("Accountability records are never deleted"), AccountabilityError)

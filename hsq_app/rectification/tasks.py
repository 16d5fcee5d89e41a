"""Rectification tasks (整改台账): PDCA stage, sign-off rules, effect evaluation, overdue flags.

The task controller is thin and calls :func:`before_insert` and :func:`validate`; the workflow
itself ("HSQ Rectification Workflow", see :mod:`hsq_app.rectification.setup`) decides who may
press which button, this module decides what a transition needs and what it records:

* **Start** (Open → In Progress) needs a responsible leader, a root cause and at least one measure;
* **Submit** (In Progress → Pending Verification) needs every measure done and at least one
  evidence file attached as a *private* file; it stamps ``submitted_by`` / ``submitted_at``;
* **Verify** (Pending Verification → Closed) stamps ``verified_by`` / ``verified_at`` and records the
  effect evaluation; the verifier may be neither the responsible leader nor whoever submitted;
* **Return** (Pending Verification → In Progress) needs a ``return_reason``.

While a task waits for verification only the verifier's fields (return reason, effect
evaluation) change; a Closed task never changes again and no task is ever deleted.
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.model import no_value_fields, table_fields
from frappe.query_builder.functions import Avg, Count
from frappe.utils import add_days, cint, cstr, flt, get_datetime, getdate, now_datetime

from hsq_app import roles as R
from hsq_app.permissions import is_unscoped, user_department

TASK = "HSQ Rectification Task"
OPEN, IN_PROGRESS, PENDING, CLOSED = "Open", "In Progress", "Pending Verification", "Closed"
PDCA_BY_STATE = {OPEN: "Plan", IN_PROGRESS: "Do", PENDING: "Check", CLOSED: "Act"}
DEFAULT_DEADLINE_DAYS = 30
MIN_AFTER_WINDOW_DAYS = 7

# fields the app itself derives; nobody's edit rights are checked against them
SYSTEM_FIELDS = frozenset(
	{
		"workflow_state",
		"pdca_stage",
		"submitted_by",
		"submitted_at",
		"verified_by",
		"verified_at",
		"is_overdue",
		"overdue_notified_on",
		"evidence_count",
		"complaints_before",
		"complaints_after",
		"satisfaction_before",
		"satisfaction_after",
		"effect_result",
		"effect_summary",
	}
)
# what a verifier writes while a task waits for verification
VERIFIER_FIELDS = frozenset({"return_reason", "effect_evaluation"})
# roles that work on a task (as opposed to verifying it)
WORKING_ROLES = frozenset({R.QUALITY_OFFICER, R.INSTITUTION_LEADER, R.DEPARTMENT_HEAD, R.HANDLER})
DEPARTMENT_LEVEL_ROLES = frozenset({R.DEPARTMENT_HEAD, R.HANDLER})


class RectificationError(frappe.ValidationError):
	pass


class ClosedTaskError(RectificationError):
	pass


class MeasuresNotDoneError(RectificationError):
	pass


class EvidenceMissingError(RectificationError):
	pass


class ReturnReasonMissingError(RectificationError):
	pass


class VerifierError(RectificationError):
	pass


def now():
	"""The current time; tests may pin it with ``frappe.flags.hsq_now``."""
	pinned = frappe.flags.get("hsq_now")
	return get_datetime(pinned) if pinned else now_datetime()


# --------------------------------------------------------------------------------------------------
# controller entry points
# --------------------------------------------------------------------------------------------------


def before_insert(doc) -> None:
	# a task an institution's own user raises is the institution's to verify; the bureau (and the
	# scheduler, which proposes concentrated problems) may say either way, default: the bureau's
	if not is_unscoped(frappe.session.user):
		doc.raised_by_institution = 1
	doc.raised_by_institution = cint(doc.raised_by_institution)
	fill_from_source(doc)
	if not doc.deadline:
		doc.deadline = add_days(getdate(now()), DEFAULT_DEADLINE_DAYS)


def validate(doc) -> None:
	before = None if doc.is_new() else doc.get_doc_before_save()
	old_state = (before.workflow_state or OPEN) if before else None
	new_state = doc.workflow_state or OPEN
	if before:
		if old_state == CLOSED:
			frappe.throw(_("A closed rectification task cannot be changed"), ClosedTaskError)
		if cint(before.raised_by_institution) != cint(doc.raised_by_institution):
			frappe.throw(_("Who raised a rectification task cannot be changed"), RectificationError)
		check_edit_rights(doc, before)
	validate_links(doc)
	sync_complaint_rows(doc)
	stamp_measures(doc)
	doc.evidence_count = count_evidence(doc.name) if not doc.is_new() else 0
	if before and old_state != new_state:
		on_transition(doc, old_state, new_state)
	elif not before and not doc.pdca_stage:
		doc.pdca_stage = PDCA_BY_STATE[new_state]
	if new_state != CLOSED:
		doc.is_overdue = 1 if doc.deadline and getdate(doc.deadline) < getdate(now()) else 0


def on_update(doc) -> None:
	before = doc.get_doc_before_save()
	if before and before.workflow_state == PENDING and doc.workflow_state == IN_PROGRESS:
		doc.add_comment("Comment", _("Returned: {0}").format(doc.return_reason))
		notify(
			doc.responsible_leader,
			doc.name,
			_("Rectification task {0} was returned: {1}").format(doc.name, doc.return_reason),
		)
	elif before and before.workflow_state != CLOSED and doc.workflow_state == CLOSED:
		notify(
			doc.responsible_leader,
			doc.name,
			_("Rectification task {0} was verified and closed").format(doc.name),
		)


def on_trash(doc) -> None:
	frappe.throw(_("Rectification tasks are never deleted"), RectificationError)


# --------------------------------------------------------------------------------------------------
# rules
# --------------------------------------------------------------------------------------------------


def on_transition(doc, old_state: str, new_state: str) -> None:
	doc.pdca_stage = PDCA_BY_STATE.get(new_state, doc.pdca_stage)
	if old_state == OPEN and new_state == IN_PROGRESS:
		check_plan(doc)
	elif old_state == IN_PROGRESS and new_state == PENDING:
		check_ready_for_verification(doc)
		doc.submitted_by, doc.submitted_at = frappe.session.user, now()
		doc.return_reason = None
	elif old_state == PENDING and new_state == IN_PROGRESS:
		if not cstr(doc.return_reason).strip():
			frappe.throw(
				_("Please give the reason for returning this rectification task"), ReturnReasonMissingError
			)
	elif old_state == PENDING and new_state == CLOSED:
		check_verifier(doc, frappe.session.user)
		closed_at = now()
		doc.verified_by, doc.verified_at = frappe.session.user, closed_at
		doc.return_reason = None
		doc.is_overdue = 1 if doc.deadline and closed_at.date() > getdate(doc.deadline) else 0
		record_effect(doc, closed_at)


def check_plan(doc) -> None:
	missing = []
	if not doc.responsible_leader:
		missing.append(_("Responsible Leader"))
	if not cstr(doc.root_cause).strip():
		missing.append(_("Root Cause"))
	if not doc.measures:
		missing.append(_("Measures"))
	if missing:
		frappe.throw(
			_("Before starting the rectification, fill in: {0}").format("、".join(missing)),
			RectificationError,
		)


def check_ready_for_verification(doc) -> None:
	if not doc.measures:
		frappe.throw(_("Add at least one rectification measure before submitting"), MeasuresNotDoneError)
	undone = [str(m.idx) for m in doc.measures if not cint(m.done)]
	if undone:
		frappe.throw(
			_("Every measure must be done before submitting for verification (not done: row {0})").format(
				", ".join(undone)
			),
			MeasuresNotDoneError,
		)
	if not count_evidence(doc.name):
		frappe.throw(
			_("Attach at least one evidence file (as a private file) before submitting for verification"),
			EvidenceMissingError,
		)


def check_verifier(doc, user: str) -> None:
	if user == "Administrator":
		return
	if user == doc.responsible_leader:
		frappe.throw(_("The responsible leader cannot verify their own rectification"), VerifierError)
	if user == doc.submitted_by:
		frappe.throw(_("Whoever submitted a rectification cannot also verify it"), VerifierError)


def check_edit_rights(doc, before) -> None:
	"""Who may change what on an existing, not yet closed task (the DocType grants write broadly)."""
	changed = changed_fields(doc, before) - SYSTEM_FIELDS
	if not changed:
		return
	labels = lambda fields: "、".join(_(doc.meta.get_label(f)) for f in sorted(fields))  # noqa: E731
	if (before.workflow_state or OPEN) == PENDING and changed - VERIFIER_FIELDS:
		frappe.throw(
			_(
				"While awaiting verification only the return reason and effect evaluation may change ({0})"
			).format(labels(changed - VERIFIER_FIELDS)),
			RectificationError,
		)
	user = frappe.session.user
	roles = set(frappe.get_roles(user))
	if user == "Administrator" or roles & {"System Manager", R.BUREAU_ADMIN}:
		return
	working = roles & WORKING_ROLES
	if not working:
		# the bureau's inspector verifies; the institution does the work
		if changed - VERIFIER_FIELDS:
			frappe.throw(
				_("An inspector may only record the return reason and effect evaluation ({0})").format(
					labels(changed - VERIFIER_FIELDS)
				),
				frappe.PermissionError,
			)
		return
	if working <= DEPARTMENT_LEVEL_ROLES and not is_involved(doc, before, user):
		frappe.throw(
			_("Only the responsible department, leader or measure owners may change this task"),
			frappe.PermissionError,
		)


def is_involved(doc, before, user: str) -> bool:
	if user in (doc.responsible_leader, before.responsible_leader):
		return True
	department = user_department(user)
	if department and department in (doc.responsible_department, before.responsible_department):
		return True
	return any(m.measure_owner == user for m in [*before.measures, *doc.measures])


def changed_fields(doc, before) -> set[str]:
	out = set()
	for df in doc.meta.fields:
		if df.fieldtype in no_value_fields and df.fieldtype not in table_fields:
			continue
		if df.fieldtype in table_fields:
			if _rows(doc, df.fieldname) != _rows(before, df.fieldname):
				out.add(df.fieldname)
		elif _norm(df, doc.get(df.fieldname)) != _norm(df, before.get(df.fieldname)):
			out.add(df.fieldname)
	return out


def _norm(df, value):
	if df.fieldtype in ("Check", "Int"):
		return cint(value)
	if df.fieldtype in ("Float", "Percent", "Currency"):
		return flt(value)
	if df.fieldtype == "Date":
		return str(getdate(value)) if value else ""
	if df.fieldtype == "Datetime":
		return str(get_datetime(value)) if value else ""
	return cstr(value).strip()


def _rows(doc, fieldname) -> list[tuple]:
	rows = []
	for row in doc.get(fieldname) or []:
		fields = [df for df in row.meta.fields if df.fieldtype not in no_value_fields and not df.read_only]
		rows.append(tuple(_norm(df, row.get(df.fieldname)) for df in fields))
	return rows


def validate_links(doc) -> None:
	if doc.responsible_department:
		dept_institution = frappe.db.get_value("HSQ Department", doc.responsible_department, "institution")
		if dept_institution != doc.institution:
			frappe.throw(
				_("Department {0} does not belong to institution {1}").format(
					doc.responsible_department, doc.institution
				)
			)
	if doc.responsible_leader:
		post = frappe.db.get_value(
			"HSQ Staff", {"user": doc.responsible_leader, "status": "Active"}, "institution"
		)
		if post != doc.institution:
			frappe.throw(
				_("The responsible leader {0} must be an active staff member of {1}").format(
					doc.responsible_leader, doc.institution
				)
			)
	if doc.source_type == "Complaint":
		if not doc.source_name or not frappe.db.exists("HSQ Complaint", doc.source_name):
			frappe.throw(_("Source complaint {0} does not exist").format(doc.source_name or ""))
		if frappe.db.get_value("HSQ Complaint", doc.source_name, "institution") != doc.institution:
			frappe.throw(
				_("Complaint {0} does not belong to institution {1}").format(doc.source_name, doc.institution)
			)
	elif doc.source_type == "Spot Check" and doc.source_name and frappe.db.table_exists("HSQ Spot Check"):
		if not frappe.db.exists("HSQ Spot Check", doc.source_name):
			frappe.throw(_("Source spot check {0} does not exist").format(doc.source_name))
	for row in doc.complaints:
		if frappe.db.get_value("HSQ Complaint", row.complaint, "institution") != doc.institution:
			frappe.throw(
				_("Complaint {0} does not belong to institution {1}").format(row.complaint, doc.institution)
			)


def fill_from_source(doc) -> None:
	"""A task raised from a complaint inherits its institution, department and category."""
	if doc.source_type != "Complaint" or not doc.source_name:
		return
	complaint = frappe.db.get_value(
		"HSQ Complaint", doc.source_name, ["institution", "department", "category"], as_dict=True
	)
	if not complaint:
		return
	doc.institution = doc.institution or complaint.institution
	doc.responsible_department = doc.responsible_department or complaint.department
	doc.category = doc.category or complaint.category


def sync_complaint_rows(doc) -> None:
	"""The source complaint is listed among the related complaints (the link back to it)."""
	if doc.source_type == "Complaint" and doc.source_name:
		if doc.source_name not in {r.complaint for r in doc.complaints}:
			doc.append("complaints", {"complaint": doc.source_name})
	seen = set()
	for row in list(doc.complaints):
		if row.complaint in seen:
			doc.remove(row)
		seen.add(row.complaint)


def stamp_measures(doc) -> None:
	for m in doc.measures:
		if not cint(m.done):
			m.done_at = None
		elif not m.done_at:
			m.done_at = now()


def count_evidence(name: str | None) -> int:
	if not name:
		return 0
	return frappe.db.count(
		"File", {"attached_to_doctype": TASK, "attached_to_name": name, "is_private": 1, "is_folder": 0}
	)


# --------------------------------------------------------------------------------------------------
# effect evaluation (效果评估)
# --------------------------------------------------------------------------------------------------


def record_effect(doc, closed_at) -> None:
	"""Figures before and after the fix: complaints of the category in the department, satisfaction.

	Before: the ``evaluation_days`` before the task was raised. After: the same span up to closing,
	but not earlier than the task was raised. Rates per day are compared; an after-period shorter
	than a week is reported as insufficient data.
	"""
	days = cint(doc.evaluation_days) or DEFAULT_DEADLINE_DAYS
	created = get_datetime(doc.creation) if doc.creation else closed_at
	before = (created - timedelta(days=days), created)
	after = (max(created, closed_at - timedelta(days=days)), closed_at)
	after_days = (after[1] - after[0]).total_seconds() / 86400

	doc.complaints_before = count_complaints(doc, *before)
	doc.complaints_after = count_complaints(doc, *after)
	sat_before, sat_after, dimension = satisfaction(doc, before), satisfaction(doc, after), None
	if sat_before:
		sat_before, dimension = sat_before
	if sat_after:
		sat_after, dimension = sat_after
	doc.satisfaction_before = sat_before or 0
	doc.satisfaction_after = sat_after or 0

	if not doc.category or after_days < MIN_AFTER_WINDOW_DAYS:
		doc.effect_result = "Insufficient Data"
	else:
		rate_before = doc.complaints_before / days
		rate_after = doc.complaints_after / after_days
		if abs(rate_after - rate_before) < 1e-9:
			doc.effect_result = "No Change"
		else:
			doc.effect_result = "Improved" if rate_after < rate_before else "Worse"

	summary = _("Complaints of this category: {0} in the {1} days before, {2} in the {3} days after").format(
		doc.complaints_before, days, doc.complaints_after, round(after_days)
	)
	if sat_before or sat_after:
		summary += _("; satisfaction ({0}): {1} before, {2} after").format(
			_(dimension) if dimension else _("overall"),
			flt(sat_before, 2) or "-",
			flt(sat_after, 2) or "-",
		)
	doc.effect_summary = summary


def count_complaints(doc, start, end) -> int:
	if not doc.category:
		return 0
	C = frappe.qb.DocType("HSQ Complaint")
	q = (
		frappe.qb.from_(C)
		.select(Count(C.name))
		.where(C.institution == doc.institution)
		.where(C.category == doc.category)
		.where(C.received_at >= start)
		.where(C.received_at < end)
	)
	if doc.responsible_department:
		q = q.where(C.department == doc.responsible_department)
	return cint(q.run()[0][0])


def satisfaction(doc, window) -> tuple[float, str | None] | None:
	"""Mean follow-up score in the window: the category's dimension where scored, else overall.

	Follow-ups are another module's DocTypes; without them (or without data) there is no figure.
	"""
	if not _follow_ups_available():
		return None
	FU, DR = frappe.qb.DocType("HSQ Follow Up"), frappe.qb.DocType("HSQ Discharge Record")
	base = (
		frappe.qb.from_(FU)
		.join(DR)
		.on(FU.discharge_record == DR.name)
		.where(FU.status == "Completed")
		.where(FU.completed_at >= window[0])
		.where(FU.completed_at < window[1])
		.where(DR.institution == doc.institution)
	)
	if doc.responsible_department:
		base = base.where(DR.department == doc.responsible_department)
	scores_df = frappe.get_meta("HSQ Follow Up").get_field("scores")
	if doc.category and scores_df and _has_fields(scores_df.options, "dimension", "score"):
		S = frappe.qb.DocType(scores_df.options)
		value = (
			base.join(S)
			.on((S.parent == FU.name) & (S.parenttype == "HSQ Follow Up"))
			.select(Avg(S.score))
			.where(S.dimension == doc.category)
			.where(S.score > 0)
			.run()[0][0]
		)
		if value:
			return flt(value, 2), doc.category
	value = base.select(Avg(FU.overall_satisfaction)).where(FU.overall_satisfaction > 0).run()[0][0]
	return (flt(value, 2), None) if value else None


def _has_fields(doctype: str | None, *fields: str) -> bool:
	if not doctype or not frappe.db.table_exists(doctype):
		return False
	meta = frappe.get_meta(doctype)
	return all(meta.has_field(f) for f in fields)


def _follow_ups_available() -> bool:
	"""The follow-up module's DocTypes with the contract's fields (absent: no satisfaction figures)."""
	return _has_fields(
		"HSQ Follow Up", "discharge_record", "status", "completed_at", "overall_satisfaction"
	) and _has_fields("HSQ Discharge Record", "institution", "department")


# --------------------------------------------------------------------------------------------------
# overdue (daily job)
# --------------------------------------------------------------------------------------------------


def mark_overdue(today=None) -> dict:
	"""Flag open tasks past their deadline (set-based) and tell each responsible leader once a day."""
	today = getdate(today or now())
	T = frappe.qb.DocType(TASK)
	is_open = T.workflow_state.isnull() | (T.workflow_state != CLOSED)
	frappe.qb.update(T).set(T.is_overdue, 1).where(is_open & (T.deadline < today) & (T.is_overdue == 0)).run()
	frappe.qb.update(T).set(T.is_overdue, 0).where(
		is_open & (T.deadline >= today) & (T.is_overdue == 1)
	).run()

	due = (
		frappe.qb.from_(T)
		.select(T.name, T.responsible_leader, T.deadline, T.problem)
		.where(is_open & (T.is_overdue == 1))
		.where(T.responsible_leader.isnotnull() & (T.responsible_leader != ""))
		.where(T.overdue_notified_on.isnull() | (T.overdue_notified_on < today))
		.run(as_dict=True)
	)
	for task in due:
		notify(
			task.responsible_leader,
			task.name,
			_("Rectification task {0} is past its deadline {1}").format(task.name, task.deadline),
		)
	if due:
		frappe.qb.update(T).set(T.overdue_notified_on, today).where(T.name.isin([t.name for t in due])).run()
	return {"notified": len(due)}


def notify(user: str | None, task: str, subject: str) -> None:
	"""A desk notification (the bell) about a task."""
	if not user:
		return
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"from_user": frappe.session.user,
			"type": "Alert",
			"document_type": TASK,
			"document_name": task,
			"subject": subject,
		}
	).insert(ignore_permissions=True)

"""The closed loop (闭环): an answer that needs attention becomes a 回访 task for the quality officers
of its institution within minutes, with a clock; the task ends with a call back or a complaint, and
the answer shows what came of it (``outcome``, ``callback_task``, ``complaint``).

An answer needs attention when its overall score is at or below the low-score threshold (HSQ Survey
Settings, default 2), when its comment holds one of the complaint words, or when the patient asks to
be called back. Staff answers are anonymous and open no task (they reach the leaders' digest).

The task is made by a background job queued when the answer is stored (``create_callback``); the
``sweep`` job every five minutes makes any the queue missed and marks clocks that ran out.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime

from hsq_app import roles as R
from hsq_app.permissions import require_role
from hsq_app.survey import settings as survey_settings
from hsq_app.survey import stats
from hsq_app.utils.work_calendar import add_working_hours

CALLBACK = "HSQ Survey Callback"
RESPONSE = "HSQ Survey Response"
DEFAULT_CALLBACK_HOURS = 8
LOW, WORDS, ASKED = "Low Score", "Complaint in Comment", "Call Back Requested"


def complaint_words() -> list[str]:
	text = survey_settings.get("complaint_words") or ""
	return [w.strip() for w in text.replace(",", "\n").replace("，", "\n").splitlines() if w.strip()]


def attention_reason(kind: str, score: int, comment: str | None, wants_callback: int) -> str | None:
	if kind == "Staff":
		return None
	if cint(wants_callback):
		return ASKED
	if cint(score) <= stats.low_threshold():
		return LOW
	text = comment or ""
	if text and any(word in text for word in complaint_words()):
		return WORDS
	return None


def flag(doc) -> None:
	"""Before an answer is stored: does it need a call back, and why (kept on the answer)."""
	reason = attention_reason(doc.kind, doc.overall_score, doc.comment, doc.wants_callback)
	doc.needs_attention = 1 if reason else 0
	doc.attention_reason = reason
	doc.outcome = "Call Back Open" if reason else None


def response_added(doc) -> None:
	"""After an answer is stored: queue its call back task (made within minutes)."""
	if not doc.needs_attention:
		return
	frappe.enqueue(
		"hsq_app.survey.loop.create_callback",
		queue="short",
		response=doc.name,
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
	)


def quality_officers(institution: str) -> list[str]:
	"""Active quality officers of the institution, in a stable order."""
	S, HR, U = frappe.qb.DocType("HSQ Staff"), frappe.qb.DocType("Has Role"), frappe.qb.DocType("User")
	return (
		frappe.qb.from_(S)
		.join(HR)
		.on((HR.parent == S.user) & (HR.parenttype == "User"))
		.join(U)
		.on(U.name == S.user)
		.select(S.user)
		.distinct()
		.where(S.institution == institution)
		.where(S.status == "Active")
		.where(HR.role == R.QUALITY_OFFICER)
		.where(U.enabled == 1)
		.orderby(S.user)
		.run(pluck=True)
	)


def callback_hours() -> int:
	return cint(survey_settings.get("callback_hours")) or DEFAULT_CALLBACK_HOURS


def create_callback(response: str, now=None) -> str | None:
	"""Make the 回访 task of an answer that needs one (idempotent: one task per answer)."""
	row = frappe.db.get_value(
		RESPONSE,
		response,
		[
			"name",
			"institution",
			"department",
			"needs_attention",
			"attention_reason",
			"callback_task",
			"overall_score",
			"comment",
			"kind",
		],
		as_dict=True,
		for_update=True,
	)
	if not row or not row.needs_attention or row.callback_task:
		return row.callback_task if row else None
	now = get_datetime(now) if now else now_datetime()
	officers = quality_officers(row.institution)
	task = frappe.get_doc(
		{
			"doctype": CALLBACK,
			"response": row.name,
			"institution": row.institution,
			"department": row.department,
			"reason": row.attention_reason,
			"overall_score": row.overall_score,
			"comment": row.comment,
			"status": "Open",
			"sla_status": "On Track",
			"assigned_to": officers[0] if officers else None,
			"due_by": add_working_hours(now, callback_hours()),
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(RESPONSE, row.name, "callback_task", task.name, update_modified=False)
	if officers:
		from frappe.desk.form.assign_to import add as assign

		assign(
			{
				"assign_to": officers,
				"doctype": CALLBACK,
				"name": task.name,
				"description": _(
					"Call back a patient who answered the satisfaction survey with {0} points"
				).format(row.overall_score),
				"date": str(task.due_by.date() if hasattr(task.due_by, "date") else task.due_by)[:10],
				"notify": 0,
			},
			ignore_permissions=True,
		)
	return task.name


def _check_officer(task, finished_ok: bool = False) -> None:
	require_role(R.QUALITY_OFFICER, R.BUREAU_ADMIN, "System Manager")
	task.check_permission("write")
	if task.status != "Open" and not finished_ok:
		frappe.throw(_("This call back task is already finished"))


def complete_callback(task, result: str) -> dict:
	_check_officer(task)
	result = (result or "").strip()
	if not result:
		frappe.throw(_("Write down what the patient said and what was done"))
	now = now_datetime()
	task.db_set(
		{
			"status": "Done",
			"result": result[:2000],
			"completed_at": now,
			"sla_status": "Met" if now <= get_datetime(task.due_by) else "Breached",
		}
	)
	frappe.db.set_value(RESPONSE, task.response, "outcome", "Called Back", update_modified=False)
	_close_todos(task.name)
	return {"status": task.status, "sla_status": task.sla_status}


def raise_complaint(task) -> str:
	"""转为投诉 in one step: a complaint (channel Satisfaction Survey) from the answer."""
	_check_officer(task, finished_ok=True)
	locked = frappe.db.get_value(CALLBACK, task.name, "complaint", for_update=True)
	if locked:
		return locked  # a second click: the complaint the first one made
	_check_officer(task)
	answer = frappe.db.get_value(
		RESPONSE,
		task.response,
		["name", "institution", "department", "overall_score", "comment", "contact_phone", "submitted_at"],
		as_dict=True,
	)
	description = answer.comment or _("Satisfaction survey answered with an overall score of {0}").format(
		answer.overall_score
	)
	complaint = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "Satisfaction Survey",
			"external_ref": answer.name,
			"received_at": answer.submitted_at or now_datetime(),
			"is_anonymous": 0 if answer.contact_phone else 1,
			"complainant_phone": answer.contact_phone,
			"institution": answer.institution,
			"department": answer.department,
			"category": "Other",
			"severity": "Medium",
			"description": description,
		}
	).insert()
	now = now_datetime()
	task.db_set(
		{
			"status": "Complaint Raised",
			"complaint": complaint.name,
			"completed_at": now,
			"sla_status": "Met" if now <= get_datetime(task.due_by) else "Breached",
		}
	)
	frappe.db.set_value(
		RESPONSE,
		answer.name,
		{"complaint": complaint.name, "outcome": "Complaint Raised"},
		update_modified=False,
	)
	_close_todos(task.name)
	return complaint.name


def _close_todos(name: str) -> None:
	ToDo = frappe.qb.DocType("ToDo")
	frappe.qb.update(ToDo).set(ToDo.status, "Closed").where(ToDo.reference_type == CALLBACK).where(
		ToDo.reference_name == name
	).where(ToDo.status == "Open").run()


def sweep(now=None) -> dict:
	"""Every five minutes: tasks for answers the queue missed; Breached on clocks that ran out."""
	survey_settings.reset()
	now = get_datetime(now) if now else now_datetime()
	missed = frappe.get_all(
		RESPONSE,
		filters={"needs_attention": 1, "callback_task": ("is", "not set")},
		pluck="name",
		limit=500,
	)
	for name in missed:
		create_callback(name, now)
	T = frappe.qb.DocType(CALLBACK)
	frappe.qb.update(T).set(T.sla_status, "Breached").where(T.status == "Open").where(
		T.sla_status == "On Track"
	).where(T.due_by < now).run()
	return {"created": len(missed)}

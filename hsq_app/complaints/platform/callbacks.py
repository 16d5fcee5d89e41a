"""What a platform tells us: 回访 result, extension decision, 催办 and 督办 notices.

Each callback is stored once per (platform, callback_id) in HSQ Platform Callback: the same
callback again changes nothing and answers the stored outcome.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import add_days, cint, get_datetime, now_datetime

from hsq_app.hsq_setup.departments import heads_of
from hsq_app.utils.notify import bell
from hsq_app.utils.text import plain_text

LOG = "HSQ Platform Callback"
KINDS = ("Visit Result", "Extension Decision", "Urge", "Supervise")
VISIT_RESULTS = {"Satisfied", "Basically Satisfied", "Dissatisfied"}
DECISIONS = {"Approved", "Rejected"}


class CallbackError(frappe.ValidationError):
	http_status_code = 417


def _fail(message: str):
	frappe.throw(message, CallbackError, title=_("Invalid callback"))


@contextmanager
def as_system():
	"""Workflow moves the platform decides (重办) run with the app's own rights, then the caller's."""
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.set_user(user)
		frappe.local.hsq_active_staff = {}


def _text(payload: dict, key: str, limit: int) -> str:
	value = payload.get(key)
	if value is not None and not isinstance(value, str | int):
		_fail(_("{0} must be text").format(key))
	return (plain_text(str(value)) if value is not None else "")[:limit]


def receive(payload: dict) -> dict:
	platform = _text(payload, "platform", 140)
	callback_id = _text(payload, "callback_id", 140)
	order_no = _text(payload, "order_no", 140)
	kind = _text(payload, "kind", 40)
	result = _text(payload, "result", 40)
	reason = _text(payload, "reason", 1000)
	if not (platform and callback_id and order_no and kind):
		_fail(_("Missing required fields: {0}").format("platform, callback_id, order_no, kind"))
	if kind not in KINDS:
		_fail(_("{0} is not a valid {1}").format(kind, "kind"))
	if not frappe.db.exists("HSQ Platform", platform):
		_fail(_("{0} {1} does not exist").format(_("HSQ Platform"), platform))
	key = f"{platform}:{callback_id}"
	existing = frappe.db.get_value(LOG, {"callback_key": key}, ["name", "complaint"], as_dict=True)
	if existing:
		return {"name": existing.name, "complaint": existing.complaint, "created": False}
	complaint = frappe.db.get_value(
		"HSQ Complaint",
		{"platform": platform, "platform_order_no": order_no},
		["name", "institution", "merged_into"],
		as_dict=True,
	)
	if not complaint:
		_fail(_("No complaint holds order {0} of platform {1}").format(order_no, platform))
	if complaint.merged_into:
		# the order was merged as a duplicate: the complaint it was merged into handles it
		complaint.name = complaint.merged_into
	if kind == "Visit Result" and result not in VISIT_RESULTS:
		_fail(_("{0} is not a valid {1}").format(result, "result"))
	if kind == "Extension Decision" and result not in DECISIONS:
		_fail(_("{0} is not a valid {1}").format(result, "result"))
	log = frappe.get_doc(
		{
			"doctype": LOG,
			"kind": kind,
			"platform": platform,
			"callback_id": callback_id,
			"callback_key": key,
			"complaint": complaint.name,
			"institution": complaint.institution,
			"received_at": now_datetime(),
			"result": result,
			"reason": reason,
			"days": cint(payload.get("days")),
		}
	)
	try:
		log.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		# the same callback arriving twice at once: the other request stored it
		frappe.db.rollback()
		return {"name": frappe.db.get_value(LOG, {"callback_key": key}, "name"), "created": False}
	APPLY[kind](frappe.get_doc("HSQ Complaint", complaint.name), log)
	return {"name": log.name, "complaint": complaint.name, "created": True}


def _visit_result(doc, log) -> None:
	if doc.workflow_state != "Resolved":
		doc.add_comment(
			"Info",
			_("Platform 回访 result {0} arrived while the complaint is {1}").format(
				_(log.result), _(doc.workflow_state)
			),
		)
		return
	if log.result != "Dissatisfied":
		frappe.db.set_value("HSQ Complaint", doc.name, "complainant_feedback", log.result)
		doc.add_comment("Info", _("Platform 回访: {0}").format(_(log.result)))
		return
	# 重办: the citizen was dissatisfied; the platform's reason goes on the timeline
	from hsq_app.complaints.api import apply_action

	with as_system():
		apply_action(doc.name, "Reopen", {"complainant_feedback": "Dissatisfied"})
	frappe.db.set_value("HSQ Complaint", doc.name, "platform_status", "Reopened", update_modified=False)
	doc.add_comment("Info", _("Reopened by platform {0} (重办): {1}").format(log.platform, log.reason or ""))


def _extension_decision(doc, log) -> None:
	if log.result == "Approved" and cint(log.days) > 0:
		limit = cint(frappe.get_cached_value("HSQ Platform", doc.platform, "max_extension_days"))
		days = min(cint(log.days), limit) if limit else cint(log.days)
		answer_by = add_days(get_datetime(doc.platform_answer_by or now_datetime()), days)
		frappe.db.set_value("HSQ Complaint", doc.name, "platform_answer_by", answer_by, update_modified=False)
		doc.add_comment(
			"Info", _("Platform approved an extension of {0} days: answer by {1}").format(days, answer_by)
		)
	else:
		doc.add_comment("Info", _("Platform rejected the extension: {0}").format(log.reason or ""))


def chain(doc, supervise: bool = False) -> list[str]:
	"""Who hears a 催办 (handler, department head, quality officers) or 督办 (also the leaders)."""
	users = [doc.handler, doc.registered_by]
	users += heads_of(doc.department)
	if supervise:
		users += list(
			frappe.db.get_value("HSQ Institution", doc.institution, ["deputy_head", "principal_head"]) or ()
		)
	return sorted({u for u in users if u and u not in ("Administrator", "Guest")})


def _urge(doc, log) -> None:
	supervise = log.kind == "Supervise"
	frappe.db.set_value(
		"HSQ Complaint", doc.name, "urge_count", cint(doc.urge_count) + 1, update_modified=False
	)
	subject = (_("督办 from platform {0}: {1}") if supervise else _("催办 from platform {0}: {1}")).format(
		doc.platform, log.reason or doc.name
	)
	doc.add_comment("Info", subject)
	for user in chain(doc, supervise):
		bell(user, subject, "HSQ Complaint", doc.name)


APPLY = {
	"Visit Result": _visit_result,
	"Extension Decision": _extension_decision,
	"Urge": _urge,
	"Supervise": _urge,
}

"""Messages to the complainant (短信): registered (tracking code and legal time limit), answered,
and closed (with the satisfaction link). Through the messaging layer (hsq_app.messaging.sms):
templates editable in the desk, a send log, opt-out, retries. Nothing to anonymous complainants,
nor for a merged duplicate.
"""

from __future__ import annotations

import frappe
from frappe.utils import cint, format_datetime, get_url

from hsq_app.messaging.sms import ensure_template, send_many, send_sms

REGISTERED = "Complaint Registered"
ANSWERED = "Complaint Answered"
CLOSED = "Complaint Closed"

TEMPLATES = {
	REGISTERED: (
		"【{{ institution }}】您的投诉已登记，查询码 {{ tracking_code }}。依照规定，我们将在 {{ resolve_by }}"
		" 前办理答复。进度查询：{{ status_url }}",
		"投诉登记后发给投诉人：查询码与法定办理时限",
	),
	ANSWERED: (
		"【{{ institution }}】您的投诉（查询码 {{ tracking_code }}）已办理答复，请留意工作人员联系。进度查询：{{ status_url }}",
		"投诉答复（审批通过）后发给投诉人",
	),
	CLOSED: (
		"【{{ institution }}】您的投诉（查询码 {{ tracking_code }}）已办结，感谢您的监督。请评价我们的处理：{{ survey_url }}",
		"投诉办结后发给投诉人：满意度评价链接",
	),
}


def ensure_templates() -> None:
	for name, (body, description) in TEMPLATES.items():
		ensure_template(name, body, description)


def _context(doc) -> dict:
	status_url = get_url(f"/complaint?code={doc.tracking_code}")
	# from the document cache (cleared when the record is saved or set): a registration job reads
	# them for every message of its chunk
	survey_code = doc.department and frappe.get_cached_value("HSQ Department", doc.department, "survey_code")
	if not survey_code:
		survey_code = frappe.get_cached_value("HSQ Institution", doc.institution, "survey_code")
	return {
		"institution": frappe.get_cached_value("HSQ Institution", doc.institution, "institution_name")
		or doc.institution,
		"tracking_code": doc.tracking_code,
		"resolve_by": format_datetime(doc.resolve_by, "yyyy-MM-dd") if doc.resolve_by else "",
		"status_url": status_url,
		"survey_url": get_url(f"/survey/{survey_code}") if survey_code else status_url,
	}


def _wanted(doc) -> bool:
	return not (cint(doc.is_anonymous) or not doc.complainant_phone or doc.merged_into)


def notify_many(docs, template: str) -> list[str]:
	""":func:`notify` for many complaints at once (one INSERT, one delivery job: sms.send_many);
	returns the logs' names."""
	return send_many(
		template,
		[
			{
				"to": doc.complainant_phone,
				"context": _context(doc),
				"reference_doctype": "HSQ Complaint",
				"reference_name": doc.name,
				"institution": doc.institution,
			}
			for doc in docs
			if _wanted(doc)
		],
	)


def notify(doc, template: str, deliver: bool = True) -> str | None:
	"""Queue one message to a named complainant with a phone; returns the log's name
	(``deliver=False``: the caller queues its delivery)."""
	if not _wanted(doc):
		return None
	return send_sms(
		template,
		doc.complainant_phone,
		_context(doc),
		"HSQ Complaint",
		doc.name,
		doc.institution,
		deliver=deliver,
	)

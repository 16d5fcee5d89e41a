"""SMS survey links for discharged patients (出院患者短信满意度调查).

Each discharged patient's first follow-up gets, within 48 hours of discharge, an SMS with a
single-use link (``/survey/<token>``; only the token's hash is stored). Answering it completes that
follow-up as channel SMS, so no agent needs to call; the link then cannot be used again, and it
expires after ``invitation_valid_hours``.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_days, cint, get_datetime, get_url, getdate, now_datetime

from hsq_app.messaging.sms import send_sms
from hsq_app.survey import codes
from hsq_app.survey import settings as survey_settings

INVITATION = "HSQ Survey Invitation"
FOLLOW_UP = "HSQ Follow Up"
OPEN_STATUSES = ("Pending", "Overdue")
DEFAULT_VALID_HOURS = 168
INVITE_WITHIN_DAYS = 2  # reach patients within 48 hours of discharge


class LinkUsed(frappe.ValidationError):
	pass


class LinkExpired(frappe.ValidationError):
	pass


def valid_hours() -> int:
	return cint(survey_settings.get("invitation_valid_hours")) or DEFAULT_VALID_HOURS


def invite(follow_up: str, now=None) -> tuple[str, str]:
	"""Create the single-use link of a follow-up and send it; returns (invitation, token)."""
	fu = frappe.db.get_value(
		FOLLOW_UP,
		follow_up,
		["name", "institution", "department", "patient_phone", "status"],
		as_dict=True,
	)
	if not fu:
		frappe.throw(_("Follow up {0} does not exist").format(follow_up), frappe.DoesNotExistError)
	now = get_datetime(now) if now else now_datetime()
	token, digest = codes.new_token()
	hours = valid_hours()
	inv = frappe.get_doc(
		{
			"doctype": INVITATION,
			"follow_up": fu.name,
			"institution": fu.institution,
			"department": fu.department,
			"status": "Sent",
			"expires_at": now + timedelta(hours=hours),
			"token_hash": digest,
		}
	).insert(ignore_permissions=True)
	if fu.patient_phone:
		template = survey_settings.get("invitation_template") or "Survey Invitation"
		log = send_sms(
			template,
			fu.patient_phone,
			{
				"institution": fu.institution,
				"link": get_url(f"/survey/{token}"),
				"valid_days": max(1, hours // 24),
			},
			INVITATION,
			inv.name,
			institution=fu.institution,
		)
		inv.db_set("sms_log", log, update_modified=False)
	return inv.name, token


def invite_discharged(now=None) -> int:
	"""Hourly: send the link to every patient discharged in the last two days whose first follow-up
	is still open and has no link yet. Returns how many were sent."""
	survey_settings.reset()
	if not cint(survey_settings.get("sms_invitations")):
		return 0
	now = get_datetime(now) if now else now_datetime()
	FU, INV = frappe.qb.DocType(FOLLOW_UP), frappe.qb.DocType(INVITATION)
	from frappe.query_builder.functions import IfNull
	from pypika.terms import ExistsCriterion

	has_link = frappe.qb.from_(INV).select(INV.name).where(INV.follow_up == FU.name)
	candidates = (
		frappe.qb.from_(FU)
		.select(FU.name, FU.discharge_record, FU.stage_days)
		.where(FU.discharge_date >= add_days(getdate(now), -INVITE_WITHIN_DAYS))
		.where(FU.status.isin(OPEN_STATUSES))
		.where(IfNull(FU.patient_phone, "") != "")
		.where(ExistsCriterion(has_link).negate())
		.orderby(FU.discharge_record)
		.orderby(FU.stage_days)
		.run(as_dict=True)
	)
	sent, seen = 0, set()
	for row in candidates:
		if row.discharge_record in seen:  # one link per discharge: its earliest open follow-up
			continue
		seen.add(row.discharge_record)
		if frappe.db.exists(INVITATION, {"follow_up": ("in", _stages_of(row.discharge_record))}):
			continue
		invite(row.name, now)
		sent += 1
	return sent


def _stages_of(discharge_record: str) -> list[str]:
	return frappe.get_all(FOLLOW_UP, filters={"discharge_record": discharge_record}, pluck="name")


def claim(invitation: str, now=None) -> frappe._dict:
	"""Lock the invitation for this answer: unused and unexpired, or LinkUsed / LinkExpired."""
	inv = frappe.db.get_value(
		INVITATION, invitation, ["name", "status", "expires_at", "follow_up"], as_dict=True, for_update=True
	)
	now = get_datetime(now) if now else now_datetime()
	if not inv:
		frappe.throw(_("This survey link is not valid"), LinkExpired)
	if inv.status == "Answered":
		frappe.throw(_("This survey link has already been used. Thank you for your answer!"), LinkUsed)
	if inv.status == "Expired" or (inv.expires_at and get_datetime(inv.expires_at) < now):
		frappe.throw(_("This survey link has expired"), LinkExpired)
	return inv


def answered(inv: frappe._dict, response) -> None:
	"""The link's answer is stored: the link is spent and the follow-up completed as channel SMS."""
	frappe.db.set_value(
		INVITATION,
		inv.name,
		{"status": "Answered", "answered_at": now_datetime(), "response": response.name},
		update_modified=False,
	)
	fu = frappe.get_doc(FOLLOW_UP, inv.follow_up)
	if fu.status not in OPEN_STATUSES:
		return  # an agent reached the patient first; the answer still counts in the survey indicators
	fu.status = "Completed"
	fu.channel = "SMS"
	fu.overall_satisfaction = response.overall_score
	fu.attempts = max(cint(fu.attempts), 1)
	if response.comment:
		fu.notes = response.comment
	fu.flags.ignore_permissions = True
	fu.save()  # the follow-up's own door: validation, completed_at and its per-day figures


def expire_old(now=None) -> int:
	"""Daily: links past their time are marked Expired."""
	T = frappe.qb.DocType(INVITATION)
	now = get_datetime(now) if now else now_datetime()
	return (
		frappe.qb.update(T).set(T.status, "Expired").where(T.status == "Sent").where(T.expires_at < now).run()
	)

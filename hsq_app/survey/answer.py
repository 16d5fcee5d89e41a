"""Storing one guest answer: the rules of the survey door, in one place.

Only ``code`` and ``overall_score`` are required; every item may be skipped. Bad input is refused
with a readable message (HTTP 417) and nothing is stored. Nothing personal is kept unless the
patient asks to be called back; staff answers keep nothing that could point at the person.
"""

from __future__ import annotations

import re

import frappe
from frappe import _
from frappe.utils import cint, now_datetime, today

from hsq_app.survey import codes, guard, invitations, store
from hsq_app.survey import settings as survey_settings
from hsq_app.survey.doctype.hsq_survey_template.hsq_survey_template import (
	ITEM_FIELDS,
	ITEMS_CACHE,
	active_template,
)

MAX_COMMENT = 1000
MAX_VALUE = 300
MAX_ANSWERS = 100
PHONE = re.compile(r"^(\+?86)?1\d{10}$|^0\d{2,3}-?\d{7,8}$")


class InvalidSurveyInput(frappe.ValidationError):
	pass


def _bad(message: str):
	frappe.throw(message, InvalidSurveyInput)


def template_items(template: str) -> tuple[dict, int]:
	"""The questionnaire's items by code and its version (cached until a template is saved)."""
	cached = frappe.cache.hget(ITEMS_CACHE, template, lambda: _template_items(template))
	return {code: frappe._dict(row) for code, row in cached["items"].items()}, cached["version"]


def _template_items(template: str) -> dict:
	doc = frappe.get_doc("HSQ Survey Template", template)
	return {
		"version": doc.version,
		"items": {row.item: {f: row.get(f) for f in ITEM_FIELDS} for row in doc.items},
	}


def parse_answers(answers, items: dict) -> list[dict]:
	if answers in (None, ""):
		return []
	if isinstance(answers, str):
		try:
			answers = frappe.parse_json(answers)
		except Exception:
			_bad(_("The answers could not be read"))
	if not isinstance(answers, list) or len(answers) > MAX_ANSWERS:
		_bad(_("The answers could not be read"))
	rows, seen = [], set()
	for entry in answers:
		if not isinstance(entry, dict):
			_bad(_("The answers could not be read"))
		code = str(entry.get("item") or "").strip()
		item = items.get(code)
		if not item:
			_bad(_("Unknown question {0}").format(guard.plain_text(code, 20)))
		if code in seen:
			continue
		seen.add(code)
		row = {"item": code, "area": _(item.area), "question": item.question}
		if item.item_type == "Scale":
			if entry.get("score") in (None, "", 0, "0"):
				continue  # skipped
			score = cint(entry.get("score"))
			if not 1 <= score <= 5 or str(entry.get("score")).strip() not in {str(score), f"{score}.0"}:
				_bad(_("Question {0}: a score is 1 to 5").format(code))
			row["score"] = score
		else:
			value = entry.get("value")
			if isinstance(value, list):
				value = "\n".join(str(v) for v in value)
			value = guard.plain_text(value, MAX_VALUE)
			if not value:
				continue
			if item.item_type in ("Single Choice", "Multiple Choice"):
				choices = [c.strip() for c in (item.options or "").splitlines() if c.strip()]
				picked = [v.strip() for v in value.split("\n") if v.strip()]
				if (
					not picked
					or any(v not in choices for v in picked)
					or (item.item_type == "Single Choice" and len(picked) > 1)
				):
					_bad(_("Question {0}: please choose from the list").format(code))
				value = "\n".join(picked)
			row["value"] = value
		rows.append(row)
	return rows


FORM = ("code", "overall_score", "answers", "comment", "kind", "device", "wants_callback", "phone")


def submit(form: dict) -> str:
	"""Store one answer from the survey page (``form``: the door's fields, see ``FORM``); returns its
	name. Bad input is refused before anything is stored or any device is marked."""
	survey_settings.reset(cached=True)  # the door's hot path: no query for the settings
	form = frappe._dict({f: form.get(f) for f in FORM})
	ip = guard.client_ip()
	guard.check_rate(ip)
	target = codes.resolve(str(form.code or ""))
	if not target:
		_bad(_("This survey code is not valid or no longer in use"))
	answer, rows = _validated(form, target)
	invitation, device_mark = _claim(target, form.device, ip)
	try:
		answer["follow_up"] = invitation.follow_up if invitation else None
		name = store.insert_answer(answer, rows)
		if invitation:
			invitations.answered(
				invitation,
				frappe._dict(name=name, overall_score=answer["overall_score"], comment=answer["comment"]),
			)
	except Exception:
		if device_mark:
			guard.release_device(device_mark)
		raise
	return name


def _validated(form: frappe._dict, target) -> tuple[dict, list[dict]]:
	"""The answer's fields and its item rows, from the form as plain, checked values."""
	score = cint(form.overall_score) if str(form.overall_score or "").strip().isdigit() else 0
	if not 1 <= score <= 5:
		_bad(_("Please give an overall score from 1 to 5"))
	kind = (form.kind or target.kinds[0]) if isinstance(form.kind, str | type(None)) else None
	if kind not in target.kinds:
		_bad(_("This survey code is not for that survey"))
	template = active_template(kind)
	if not template:
		_bad(_("There is no active questionnaire for this survey"))
	items, version = template_items(template)
	rows = parse_answers(form.answers, items)
	callback = cint(form.wants_callback) if kind != "Staff" else 0
	answer = {
		"kind": kind,
		"source": target.source,
		"institution": target.institution,
		"department": target.department,
		"overall_score": score,
		"comment": guard.plain_text(form.comment, MAX_COMMENT),
		"template": template,
		"template_version": version,
		"submitted_at": now_datetime(),
		"wants_callback": callback,
		"contact_phone": _contact(form.phone) if callback else None,
	}
	return answer, rows


def _contact(phone) -> str:
	contact = re.sub(r"[\s()]", "", guard.plain_text(phone, 30))
	if not PHONE.match(contact):
		_bad(_("Please leave a phone number so that we can call you back"))
	return contact


def _claim(target, device, ip) -> tuple:
	"""An SMS link is locked for this answer; otherwise the device is marked for the day."""
	if target.source == "SMS":
		return invitations.claim(target.invitation), None  # locked: one answer per link
	# one answer per device, department (or the institution's own poster / staff link) and day
	mark = guard.device_key(device, ip, f"{target.department or target.institution}|{target.source}", today())
	guard.claim_device(mark)
	return None, mark


def page_context(code: str | None) -> frappe._dict:
	"""What the survey page shows for a code: whose survey, which questions (no personal data)."""
	target = codes.resolve(code)
	ctx = frappe._dict(valid=False, used=False, expired=False, code=(code or "")[: codes.MAX_CODE])
	if not target:
		return ctx
	if target.source == "SMS":
		from frappe.utils import get_datetime

		if target.invitation_status == "Answered":
			ctx.used = True
			return ctx
		if target.invitation_status == "Expired" or (
			target.expires_at and get_datetime(target.expires_at) < now_datetime()
		):
			ctx.expired = True
			return ctx
	ctx.valid = True
	ctx.source = target.source
	ctx.institution = target.institution
	ctx.department = (
		frappe.db.get_value("HSQ Department", target.department, "department_name")
		if target.department
		else None
	)
	ctx.surveys = []
	for kind in target.kinds:
		template = active_template(kind)
		if not template:
			continue
		doc = frappe.get_cached_doc("HSQ Survey Template", template)
		ctx.surveys.append(
			frappe._dict(
				kind=kind,
				label=_(kind),
				intro=doc.intro,
				questions=[
					frappe._dict(
						item=row.item,
						area=_(row.area),
						question=row.question,
						item_type=row.item_type,
						choices=[c.strip() for c in (row.options or "").splitlines() if c.strip()],
					)
					for row in doc.items
				],
			)
		)
	ctx.valid = bool(ctx.surveys)
	return ctx

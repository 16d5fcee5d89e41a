"""Survey codes: what a QR poster or a link carries, and what a code opens.

- every HSQ Department has a ``survey_code`` from the moment it exists (its QR poster: outpatients
  and inpatients of that department);
- every HSQ Institution has a ``survey_code`` (the institution's own poster, no department) and a
  ``staff_survey_code`` (the anonymous staff link);
- an SMS link carries a single-use token of an HSQ Survey Invitation (only its hash is stored).

Regenerating a code retires the old one: a poster printed before stops working.
"""

from __future__ import annotations

import hashlib
import secrets

import frappe
from frappe import _

from hsq_app import roles as R
from hsq_app.permissions import require_role

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: a code may be typed from a poster
CODE_LENGTH = 8
TOKEN_BYTES = 18  # 24 URL-safe characters
MAX_CODE = 64
CACHE_PREFIX = "hsq_survey_code:"
CACHE_SECONDS = 300


def new_code() -> str:
	while True:
		code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
		if (
			not frappe.db.exists("HSQ Department", {"survey_code": code})
			and not frappe.db.exists("HSQ Institution", {"survey_code": code})
			and not frappe.db.exists("HSQ Institution", {"staff_survey_code": code})
		):
			return code


def new_token() -> tuple[str, str]:
	"""A fresh single-use token and the hash stored in its place."""
	token = secrets.token_urlsafe(TOKEN_BYTES)
	return token, token_hash(token)


def token_hash(token: str) -> str:
	return hashlib.sha256(token.encode()).hexdigest()


# -- doc events: a code from the moment the record exists -------------------------------------------


def assign_department_code(doc, method=None) -> None:
	if not doc.get("survey_code"):
		doc.survey_code = new_code()


def assign_institution_codes(doc, method=None) -> None:
	if doc.get("institution_type") == "Bureau":
		return
	if not doc.get("survey_code"):
		doc.survey_code = new_code()
	if not doc.get("staff_survey_code"):
		doc.staff_survey_code = new_code()


def backfill() -> int:
	"""Give every department and institution without a code one (install, migrate, patch)."""
	count = 0
	for name in frappe.get_all("HSQ Department", filters={"survey_code": ("is", "not set")}, pluck="name"):
		frappe.db.set_value("HSQ Department", name, "survey_code", new_code(), update_modified=False)
		count += 1
	for row in frappe.get_all(
		"HSQ Institution",
		filters={"institution_type": ("!=", "Bureau")},
		fields=["name", "survey_code", "staff_survey_code"],
	):
		for field in ("survey_code", "staff_survey_code"):
			if not row[field]:
				frappe.db.set_value("HSQ Institution", row.name, field, new_code(), update_modified=False)
				count += 1
	return count


# -- what a code opens -------------------------------------------------------------------------------


def resolve(code: str | None) -> frappe._dict | None:
	"""The survey a code opens: kind(s), institution, department, source, invitation; None if none.

	Poster and staff codes are cached in Redis for a few minutes (the guest door's hot path), and
	forgotten whenever a department or institution changes (``forget``); single-use SMS tokens are
	always read from their invitation."""
	code = (code or "").strip()
	if not code or len(code) > MAX_CODE:
		return None
	if len(code) > CODE_LENGTH:
		return _invitation(code)
	code = code.upper()
	key = f"{CACHE_PREFIX}{code}"
	cached = frappe.cache.get_value(key)
	if cached:
		return frappe._dict(cached)
	target = _poster_or_staff(code)
	if target:  # unknown codes are not cached: guessing must not fill Redis
		frappe.cache.set_value(key, dict(target), expires_in_sec=CACHE_SECONDS)
	return target


def forget(doc=None, method=None) -> None:
	"""A department or institution changed (code, name, disabled): forget every cached code."""
	frappe.cache.delete_keys(CACHE_PREFIX)


def _poster_or_staff(code: str) -> frappe._dict | None:
	dept = frappe.db.get_value(
		"HSQ Department",
		{"survey_code": code},
		["name", "institution", "department_name", "disabled"],
		as_dict=True,
	)
	if dept:
		if dept.disabled:
			return None
		return frappe._dict(
			kinds=("Outpatient", "Inpatient"),
			source="QR",
			institution=dept.institution,
			department=dept.name,
			department_name=dept.department_name,
		)
	for field, kinds, source in (
		("survey_code", ("Outpatient", "Inpatient"), "QR"),
		("staff_survey_code", ("Staff",), "Staff Link"),
	):
		inst = frappe.db.get_value("HSQ Institution", {field: code}, ["name", "disabled"], as_dict=True)
		if inst:
			if inst.disabled:
				return None
			return frappe._dict(kinds=kinds, source=source, institution=inst.name, department=None)
	return None


def _invitation(token: str) -> frappe._dict | None:
	inv = frappe.db.get_value(
		"HSQ Survey Invitation",
		{"token_hash": token_hash(token)},
		["name", "institution", "department", "follow_up", "status", "expires_at"],
		as_dict=True,
	)
	if not inv:
		return None
	return frappe._dict(
		kinds=("Inpatient",),
		source="SMS",
		institution=inv.institution,
		department=inv.department,
		invitation=inv.name,
		invitation_status=inv.status,
		expires_at=inv.expires_at,
		follow_up=inv.follow_up,
	)


# -- regenerate (retires the old code) ---------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def regenerate(doctype: str, name: str, field: str = "survey_code") -> str:
	"""A new code for a department or institution; the old poster or link stops working."""
	allowed = {"HSQ Department": ("survey_code",), "HSQ Institution": ("survey_code", "staff_survey_code")}
	if field not in allowed.get(doctype, ()):
		frappe.throw(_("Nothing to regenerate here"), frappe.ValidationError)
	require_role(R.BUREAU_ADMIN, R.INSTITUTION_ADMIN, "System Manager")
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("write")
	code = new_code()
	doc.db_set(field, code)
	forget()
	doc.add_comment("Info", _("Survey code regenerated; the old code no longer works"))
	return code

"""Intake door for the 12345 hotline and 信访 systems (token auth, role HSQ Intake Integration).

``POST /api/method/hsq_app.api.intake.create_complaint`` with HSQ Complaint's contract fields as
JSON keys (links by document name). Idempotent on (channel, external_ref). Bad input answers
HTTP 417 with a readable message and stores nothing.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime

from hsq_app.permissions import require_role
from hsq_app.roles import INTAKE_INTEGRATION

ACCEPTED_FIELDS = {
	"channel",
	"external_ref",
	"received_at",
	"complainant_name",
	"complainant_phone",
	"is_anonymous",
	"patient_name",
	"relation_to_patient",
	"institution",
	"department",
	"staff_involved",
	"category",
	"description",
	"demands",
	"severity",
	"is_complex",
}
REQUIRED = ("channel", "external_ref", "institution", "category", "description")
LINKS = {
	"institution": "HSQ Institution",
	"department": "HSQ Department",
	"category": "HSQ Complaint Category",
}


class IntakeError(frappe.ValidationError):
	http_status_code = 417


def _fail(message: str):
	frappe.throw(message, IntakeError, title=_("Invalid complaint"))


def _clean(payload: dict) -> dict:
	unknown = sorted(set(payload) - ACCEPTED_FIELDS - {"cmd"})
	if unknown:
		_fail(_("Unknown fields: {0}").format(", ".join(unknown)))
	data = {k: v for k, v in payload.items() if k in ACCEPTED_FIELDS}
	missing = [f for f in REQUIRED if not data.get(f)]
	if missing:
		_fail(_("Missing required fields: {0}").format(", ".join(missing)))
	for key, value in data.items():
		if key == "staff_involved":
			if not isinstance(value, list) or not all(isinstance(s, str | dict) for s in value):
				_fail(_("staff_involved must be a list of staff names"))
		elif key in ("is_anonymous", "is_complex"):
			if value not in (0, 1, True, False, "0", "1"):
				_fail(_("{0} must be 0 or 1").format(key))
		elif value is not None and not isinstance(value, str):
			_fail(_("{0} must be text").format(key))
	meta = frappe.get_meta("HSQ Complaint")
	for key in ("channel", "severity", "relation_to_patient"):
		if data.get(key) and data[key] not in (meta.get_field(key).options or "").split("\n"):
			_fail(_("{0} is not a valid {1}").format(data[key], key))
	for key, doctype in LINKS.items():
		if data.get(key) and not frappe.db.exists(doctype, data[key]):
			_fail(_("{0} {1} does not exist").format(_(doctype), data[key]))
	if data.get("received_at"):
		try:
			data["received_at"] = get_datetime(data["received_at"])
		except Exception:
			_fail(_("received_at is not a date and time: {0}").format(data["received_at"]))
	if "staff_involved" in data:
		rows = [s if isinstance(s, dict) else {"staff": s} for s in data["staff_involved"]]
		for row in rows:
			if not frappe.db.exists("HSQ Staff", row.get("staff")):
				_fail(_("Staff {0} does not exist").format(row.get("staff")))
		data["staff_involved"] = rows
	return data


def _existing(channel: str, external_ref: str) -> str | None:
	return frappe.db.get_value("HSQ Complaint", {"intake_key": f"{channel}:{external_ref}"}, "name")


@frappe.whitelist(methods=["POST"])
def create_complaint(**payload):
	require_role(INTAKE_INTEGRATION)
	data = _clean(payload)
	name = _existing(data["channel"], data["external_ref"])
	if name:
		return {"name": name, "created": False}
	doc = frappe.get_doc({"doctype": "HSQ Complaint", **data})
	try:
		doc.insert()
	except frappe.DuplicateEntryError:
		# a concurrent request with the same (channel, external_ref) won the unique intake_key
		frappe.db.rollback()
		name = _existing(data["channel"], data["external_ref"])
		if name:
			return {"name": name, "created": False}
		raise
	except frappe.ValidationError as e:
		if isinstance(e, frappe.PermissionError):
			raise
		frappe.db.rollback()
		_fail(str(e) or _("Invalid complaint"))
	return {"name": doc.name, "created": True}

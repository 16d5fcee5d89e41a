"""Intake door for the 12345 hotline and 信访 systems (token auth, role HSQ Intake Integration).

``POST /api/method/hsq_app.api.intake.create_complaint`` with HSQ Complaint's contract fields as
JSON keys (links by document name). Idempotent on (channel, external_ref). Bad input answers
HTTP 417 with a readable message and stores nothing.
"""

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, now_datetime

from hsq_app.complaints.platform.orders import platform_for_channel
from hsq_app.permissions import require_role
from hsq_app.roles import INTAKE_INTEGRATION
from hsq_app.utils.text import has_control_characters, plain_text

PLATFORM_FIELDS = ("platform", "platform_order_no", "platform_sign_by", "platform_answer_by")
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
	# issue 16: the platform's work order (system fields, set through the order's registration)
	*PLATFORM_FIELDS,
}
REQUIRED = ("channel", "external_ref", "institution", "category", "description")
LINKS = {
	"institution": "HSQ Institution",
	"department": "HSQ Department",
	"category": "HSQ Complaint Category",
	"platform": "HSQ Platform",
}


# a platform may forward a complaint late, but not from the future nor years after the fact
MAX_AGE_DAYS = 2 * 366
CLOCK_SKEW_MINUTES = 10
# the fields compared when a reference arrives again: a different value is a conflict
COMPARED = ("institution", "category", "description", "complainant_phone", "patient_name", "severity")


class IntakeError(frappe.ValidationError):
	http_status_code = 417


class IntakeConflictError(frappe.ValidationError):
	"""The reference is known with different content: answered HTTP 409 with the existing name."""

	http_status_code = 409


def _fail(message: str):
	frappe.throw(message, IntakeError, title=_("Invalid complaint"))


def _check_received_at(value) -> None:
	now = now_datetime()
	if value > add_to_date(now, minutes=CLOCK_SKEW_MINUTES):
		_fail(_("received_at {0} is in the future").format(value))
	if value < add_to_date(now, days=-MAX_AGE_DAYS):
		_fail(_("received_at {0} is more than {1} days ago").format(value, MAX_AGE_DAYS))


def _known(doctype: str, name: str) -> bool:
	"""A master record exists (from the document cache: the insert checks its links again)."""
	return bool(frappe.get_cached_value(doctype, name, "name"))


def _check_institution_and_staff(data: dict) -> None:
	if frappe.get_cached_value("HSQ Institution", data["institution"], "institution_type") == "Bureau":
		_fail(
			_("A complaint is about a medical institution, not the bureau: {0}").format(data["institution"])
		)
	for row in data.get("staff_involved") or ():
		if frappe.db.get_value("HSQ Staff", row.get("staff"), "institution") != data["institution"]:
			_fail(_("Staff {0} does not work at {1}").format(row.get("staff"), data["institution"]))


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
		elif isinstance(value, str) and has_control_characters(value):
			_fail(_("{0} contains control characters").format(key))
	for key in ("channel", "external_ref", "institution", "department", "category", "severity"):
		if isinstance(data.get(key), str):
			data[key] = data[key].strip()
	meta = frappe.get_meta("HSQ Complaint")
	for key in ("channel", "severity", "relation_to_patient"):
		if data.get(key) and data[key] not in (meta.get_field(key).options or "").split("\n"):
			_fail(_("{0} is not a valid {1}").format(data[key], key))
	for key, doctype in LINKS.items():
		if data.get(key) and not _known(doctype, data[key]):
			_fail(_("{0} {1} does not exist").format(_(doctype), data[key]))
	if data.get("received_at"):
		try:
			data["received_at"] = get_datetime(data["received_at"])
		except Exception:
			_fail(_("received_at is not a date and time: {0}").format(data["received_at"]))
		_check_received_at(data["received_at"])
	for key in ("platform_sign_by", "platform_answer_by"):
		if data.get(key):
			try:
				data[key] = get_datetime(data[key])
			except Exception:
				_fail(_("{0} is not a date and time: {1}").format(key, data[key]))
	if "staff_involved" in data:
		rows = [s if isinstance(s, dict) else {"staff": s} for s in data["staff_involved"]]
		for row in rows:
			if not frappe.db.exists("HSQ Staff", row.get("staff")):
				_fail(_("Staff {0} does not exist").format(row.get("staff")))
		data["staff_involved"] = rows
	_check_institution_and_staff(data)
	return data


def _existing(channel: str, external_ref: str) -> str | None:
	# plain SQL over the unique index: asked on every intake request (frappe.db.get_value builds
	# the query through the query engine, which parses each field with sqlparse)
	found = frappe.db.sql(
		"select name from `tabHSQ Complaint` where intake_key = %s", (f"{channel}:{external_ref}",)
	)
	return found[0][0] if found else None


def _differences(name: str, data: dict) -> list[tuple[str, str, str]]:
	"""(field, stored, sent) for the compared fields the platform sent differently this time."""
	stored = frappe.db.get_value("HSQ Complaint", name, (*COMPARED, "is_anonymous"), as_dict=True)
	out = []
	for field in COMPARED:
		if field not in data or (stored.is_anonymous and field in ("complainant_phone", "patient_name")):
			continue
		sent = plain_text(data[field]) if isinstance(data[field], str) else data[field]
		if (sent or "") != (stored.get(field) or ""):
			out.append((field, stored.get(field) or "", sent or ""))
	return out


def _repeat(name: str, data: dict) -> dict:
	"""The same reference again: the same complaint, or a conflict recorded on its timeline."""
	diffs = _differences(name, data)
	if not diffs:
		return {"name": name, "created": False}
	meta = frappe.get_meta("HSQ Complaint")
	lines = "; ".join(f"{_(meta.get_label(f))}: {sent}" for f, _stored, sent in diffs)
	comment = frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": "HSQ Complaint",
			"reference_name": name,
			"content": _("The platform sent reference {0} again with different content: {1}").format(
				data["external_ref"], lines
			),
		}
	)
	comment.insert(ignore_permissions=True)
	# answered 409, not raised: the note on the timeline must stay (an error rolls back)
	frappe.local.response["http_status_code"] = IntakeConflictError.http_status_code
	return {
		"name": name,
		"created": False,
		"conflict": True,
		"message": _("Reference {0} is already complaint {1}, with different content").format(
			data["external_ref"], name
		),
	}


@frappe.whitelist(methods=["POST"])
def create_complaint(**payload):
	require_role(INTAKE_INTEGRATION)
	data = _clean(payload)
	name = _existing(data["channel"], data["external_ref"])
	if name:
		return _repeat(name, data)
	order = {k: data.pop(k) for k in PLATFORM_FIELDS if data.get(k)}
	order.setdefault("platform", platform_for_channel(data["channel"]))
	doc = frappe.get_doc({"doctype": "HSQ Complaint", **data})
	# read by hsq_app.complaints.platform.orders.on_registration (system fields: not the caller's)
	doc.flags.hsq_platform_order = order if order.get("platform") else None
	doc.flags.hsq_register_later = True  # ToDo and registration SMS by a job after the commit (worklist.py)
	try:
		doc.insert()
	except frappe.DuplicateEntryError:
		# a concurrent request with the same (channel, external_ref) won the unique intake_key
		frappe.db.rollback()
		name = _existing(data["channel"], data["external_ref"])
		if name:
			return _repeat(name, data)
		raise
	except frappe.ValidationError as e:
		if isinstance(e, frappe.PermissionError):
			raise
		frappe.db.rollback()
		_fail(str(e) or _("Invalid complaint"))
	return {"name": doc.name, "created": True}

"""Guest endpoints behind the public complaint page (/complaint): file, then check status.

Rate-limited per IP, lengths capped and HTML stripped (by the complaint controller), and the
status answer carries no personal data: only the state, dates and the reply.
"""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import add_to_date, cint, now_datetime

from hsq_app.complaints import workflow as wf

PUBLIC_FIELDS = (
	"institution",
	"category",
	"description",
	"demands",
	"complainant_name",
	"complainant_phone",
	"patient_name",
	"is_anonymous",
)


class PhoneLimitError(frappe.ValidationError):
	http_status_code = 429


def _hourly_limit() -> int:
	return cint(frappe.db.get_single_value("HSQ Settings", "public_complaint_rate_limit")) or 5


def _daily_phone_limit() -> int:
	value = frappe.db.get_single_value("HSQ Settings", "public_complaint_phone_limit")
	return 3 if value is None else cint(value)


def check_phone_limit(phone: str | None) -> None:
	"""One phone number files at most N complaints a day on the public page (whatever address)."""
	limit = _daily_phone_limit()
	if not phone or limit <= 0:
		return
	filed = frappe.db.count(
		"HSQ Complaint",
		{
			"complainant_phone": phone,
			"channel": "Website",
			"received_at": (">", add_to_date(now_datetime(), days=-1)),
		},
	)
	if filed >= limit:
		frappe.throw(
			_("This phone number has already filed {0} complaints today; please call the hotline").format(
				filed
			),
			PhoneLimitError,
		)


def public_institutions() -> list[str]:
	return frappe.get_all(
		"HSQ Institution",
		filters={"institution_type": ("!=", "Bureau"), "disabled": 0},
		pluck="name",
		order_by="lft asc",
	)


def public_categories() -> list[str]:
	return frappe.get_all(
		"HSQ Complaint Category", filters={"disabled": 0}, pluck="name", order_by="creation asc"
	)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=_hourly_limit, seconds=60 * 60)
def submit_complaint(**form):
	data = {k: form.get(k) for k in PUBLIC_FIELDS if form.get(k) not in (None, "")}
	if data.get("institution") not in public_institutions():
		frappe.throw(_("Please choose the institution you are complaining about"))
	if data.get("category") not in public_categories():
		data["category"] = "Other"
	if not (data.get("description") or "").strip():
		frappe.throw(_("Please describe what happened"))
	if not cint(data.get("is_anonymous")) and not data.get("complainant_phone"):
		frappe.throw(_("Please leave a phone number so that we can answer you, or file anonymously"))
	if not cint(data.get("is_anonymous")):
		check_phone_limit((data.get("complainant_phone") or "").strip())
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "Website",
			"received_at": now_datetime(),
			"severity": "Medium",
			**data,
		}
	)
	doc.flags.hsq_register_later = True  # ToDo and registration SMS by a job after the commit (worklist.py)
	doc.insert(ignore_permissions=True)
	return {"tracking_code": doc.tracking_code, "name": doc.name}


@frappe.whitelist(allow_guest=True)
@rate_limit(limit=30, seconds=60 * 60)
def complaint_status(tracking_code: str):
	code = (tracking_code or "").strip().upper()
	row = (
		frappe.db.get_value(
			"HSQ Complaint",
			{"tracking_code": code},
			[
				"name",
				"workflow_state",
				"received_at",
				"resolved_at",
				"closed_at",
				"resolve_by",
				"reply_to_complainant",
				"institution",
			],
			as_dict=True,
		)
		if code
		else None
	)
	if not row:
		frappe.throw(_("No complaint has tracking code {0}").format(code or "-"), frappe.DoesNotExistError)
	answered = row.workflow_state in (wf.RESOLVED, wf.CLOSED, wf.NOT_ACCEPTED)
	return {
		"name": row.name,
		"institution": row.institution,
		"status": _(row.workflow_state),
		"received_at": str(row.received_at),
		"resolved_at": str(row.resolved_at or ""),
		"closed_at": str(row.closed_at or ""),
		# the legal time limit the registration SMS gave (issue 16): the same milestones here
		"answer_by": str(row.resolve_by or "")[:10],
		"reply": row.reply_to_complainant if answered else "",
	}

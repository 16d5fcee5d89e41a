"""Guest endpoints behind the public complaint page (/complaint): file, then check status.

Limits that stop one person without locking out a hospital's network (hundreds of patients behind
one address): a few complaints a day per phone number, and a generous hourly count per client
address (the real one behind the admin's trusted proxies, :mod:`hsq_app.utils.client`), both
answered with HTTP 429 and a message the page shows. Lengths are capped and HTML stripped (by the
complaint controller); photos are checked by their content (JPEG, PNG, WebP), count and size, and
stored as private files of the complaint, all or none. The status answer carries no personal
data: only the state, dates and the reply.
"""

import datetime
import io

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import add_to_date, cint, getdate, now_datetime

from hsq_app.complaints import workflow as wf
from hsq_app.utils.client import client_ip

PUBLIC_FIELDS = (
	"institution",
	"category",
	"description",
	"demands",
	"complainant_name",
	"complainant_phone",
	"patient_name",
	"is_anonymous",
	"department",
	"visit_date",
)

ADDRESS_LIMIT_KEY = "hsq_public_complaint_address"
# what the content says a photo is -> the extension it is stored with
IMAGE_TYPES = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}


class PublicLimitError(frappe.ValidationError):
	http_status_code = 429


class PhoneLimitError(PublicLimitError):
	pass


class PhotoError(frappe.ValidationError):
	pass


def _settings(field: str, default: int) -> int:
	"""An Int of HSQ Settings; empty or 0 (a site that never saved it reads 0) is the default."""
	return cint(frappe.db.get_single_value("HSQ Settings", field)) or default


def _hourly_limit() -> int:
	"""Complaints per client address per hour (generous: a hospital's network is one address)."""
	return _settings("public_complaint_rate_limit", 30)


def max_photos() -> int:
	return _settings("public_complaint_max_photos", 3)


def photo_max_mb() -> int:
	return _settings("public_complaint_photo_max_mb", 5)


def check_address_limit(address: str | None = None) -> None:
	"""At most N submissions an hour from one client address (keyed on the real address)."""
	if address is None and getattr(frappe.local, "request", None) is None:
		return  # called in process (console, tests): no client to count
	limit = _hourly_limit()
	key = frappe.cache.make_key(f"{ADDRESS_LIMIT_KEY}:{address or client_ip()}")
	if not frappe.cache.get(key):
		frappe.cache.setex(key, 60 * 60, 0)
	if frappe.cache.incrby(key, 1) > limit:
		frappe.throw(
			_(
				"Too many complaints have been filed from your network in the last hour; please try again later or call the hotline"
			),
			PublicLimitError,
		)


def sniff_image(content: bytes) -> str | None:
	"""jpeg, png or webp by the file's first bytes (whatever its name says), else None."""
	if content[:3] == b"\xff\xd8\xff":
		return "jpeg"
	if content[:8] == b"\x89PNG\r\n\x1a\n":
		return "png"
	if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
		return "webp"
	return None


def _decodes(content: bytes) -> bool:
	"""Whether the image library reads the picture (a right header on a broken file does not do)."""
	from PIL import Image

	try:
		with Image.open(io.BytesIO(content)) as image:
			image.verify()
	except Exception:
		return False
	return True


def uploaded_photos() -> list[tuple[str, bytes]]:
	"""The request's photos (multipart field ``photos``) as (stored name, content), all checked:
	one bad photo refuses the whole complaint."""
	request = getattr(frappe.local, "request", None)
	files = request.files.getlist("photos") if request is not None and request.files else []
	files = [f for f in files if f and f.filename]
	if not files:
		return []
	if len(files) > max_photos():
		frappe.throw(_("At most {0} photos can be attached to a complaint").format(max_photos()), PhotoError)
	limit = photo_max_mb() * 1024 * 1024
	out = []
	for i, upload in enumerate(files, start=1):
		content = upload.stream.read(limit + 1)
		if len(content) > limit:
			frappe.throw(
				_("Photo {0} is larger than {1} MB").format(i, photo_max_mb()),
				PhotoError,
			)
		kind = sniff_image(content)
		if not content or kind is None or not _decodes(content):
			frappe.throw(_("Photo {0} is not a JPEG, PNG or WebP image").format(i), PhotoError)
		out.append((f"投诉照片-{i}{IMAGE_TYPES[kind]}", content))
	return out


def _attach_photos(complaint: str, photos: list[tuple[str, bytes]]) -> None:
	for file_name, content in photos:
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": file_name,
				"attached_to_doctype": wf.DOCTYPE,
				"attached_to_name": complaint,
				"is_private": 1,
				"content": content,
			}
		)
		file.flags.hsq_public_intake = True  # the complainant's own photos (attachments.before_insert)
		file.insert(ignore_permissions=True)


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


def public_departments() -> dict[str, list[dict]]:
	"""{institution: [{name, label}]} of the enabled departments (names only: guest-safe)."""
	out: dict[str, list[dict]] = {}
	for row in frappe.get_all(
		"HSQ Department",
		filters={"disabled": 0, "institution": ("in", public_institutions())},
		fields=["name", "department_name", "institution"],
		order_by="department_name asc",
	):
		out.setdefault(row.institution, []).append({"name": row.name, "label": row.department_name})
	return out


def public_categories() -> list[str]:
	return frappe.get_all(
		"HSQ Complaint Category", filters={"disabled": 0}, pluck="name", order_by="creation asc"
	)


@frappe.whitelist(allow_guest=True, methods=["POST"])
def submit_complaint(**form):
	check_address_limit()
	data = {k: form.get(k) for k in PUBLIC_FIELDS if form.get(k) not in (None, "")}
	data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
	if data.get("institution") not in public_institutions():
		frappe.throw(_("Please choose the institution you are complaining about"))
	if data.get("department") and data["department"] not in {
		d["name"] for d in public_departments().get(data["institution"], [])
	}:
		frappe.throw(_("Please choose a department of the institution you are complaining about"))
	if data.get("visit_date"):
		try:  # the page's date input sends YYYY-MM-DD (frappe's getdate would print its own message)
			visit = datetime.date.fromisoformat(str(data["visit_date"]))
		except ValueError:
			frappe.throw(_("Please enter the visit date as a date, for example 2026-03-01"))
		if visit > getdate(now_datetime()):
			frappe.throw(_("The visit date cannot be in the future"))
		data["visit_date"] = visit
	if data.get("category") not in public_categories():
		data["category"] = "Other"
	if not (data.get("description") or "").strip():
		frappe.throw(_("Please describe what happened"))
	if not cint(data.get("is_anonymous")) and not data.get("complainant_phone"):
		frappe.throw(_("Please leave a phone number so that we can answer you, or file anonymously"))
	photos = uploaded_photos()
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
	_attach_photos(doc.name, photos)
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

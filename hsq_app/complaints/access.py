"""Access Log entries for views of complaints that carry personal data."""

import re

import frappe
from frappe.core.doctype.access_log.access_log import make_access_log

COMPLAINT_PATH = re.compile(r"^/api/(?:resource|v2/document)/HSQ(?:%20| )Complaint/([^/?]+)$")


def _has_personal_data(doc) -> bool:
	return not doc.is_anonymous and any(
		doc.get(f) for f in ("complainant_name", "complainant_phone", "patient_name")
	)


def _can_see_personal_data(doc) -> bool:
	return doc.has_permlevel_access_to("complainant_phone", permission_type="read")


def log_personal_data_view(doc, method: str = "Form") -> None:
	if frappe.session.user == "Guest" or not _has_personal_data(doc) or not _can_see_personal_data(doc):
		return
	make_access_log(doctype=doc.doctype, document=doc.name, method=method)


def log_rest_read(response=None, request=None):
	"""after_request: a REST read of one complaint is a view too."""
	request = request or getattr(frappe.local, "request", None)
	if not request or request.method != "GET" or not response or response.status_code != 200:
		return
	match = COMPLAINT_PATH.match(request.path)
	if not match:
		return
	from urllib.parse import unquote

	name = unquote(match.group(1))
	if frappe.db.exists("HSQ Complaint", name):
		log_personal_data_view(frappe.get_doc("HSQ Complaint", name), method="REST")
		frappe.db.commit()  # after_request runs after the request's own commit

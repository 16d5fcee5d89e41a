"""Files attached to a complaint: the complainant's signed registration form (投诉登记表), photos
and recordings they bring. Private always, a short list of types, a size cap; each one goes on
the complaint's timeline (the audit trail reads it) and a final complaint's files do not change."""

from __future__ import annotations

import os

import frappe
from frappe import _
from frappe.utils import cint

from hsq_app.complaints import workflow as wf

ALLOWED = {
	".pdf",
	".txt",
	".doc",
	".docx",  # the complainant's written statement
	".jpg",
	".jpeg",
	".png",
	".heic",
	".webp",  # scans and photos
	".mp3",
	".m4a",
	".wav",
	".amr",
	".aac",  # recordings
	".mp4",
	".mov",  # short videos
}
MAX_BYTES = 20 * 1024 * 1024


class AttachmentError(frappe.ValidationError):
	pass


def before_insert(doc, method=None):
	if doc.attached_to_doctype != wf.DOCTYPE or not doc.attached_to_name:
		return
	complaint = frappe.get_doc(wf.DOCTYPE, doc.attached_to_name)
	# the public form attaches the complainant's checked photos to the complaint it just filed
	if frappe.session.user != "Administrator" and not doc.flags.hsq_public_intake:
		complaint.check_permission("write")
	if complaint.workflow_state in wf.FINAL_STATES:
		frappe.throw(
			_("Complaint {0} is {1} and can no longer be changed").format(
				complaint.name, _(complaint.workflow_state)
			),
			AttachmentError,
		)
	ext = os.path.splitext(doc.file_name or doc.file_url or "")[1].lower()
	if ext not in ALLOWED:
		frappe.throw(
			_("Files of type {0} cannot be attached to a complaint").format(ext or "?"), AttachmentError
		)
	size = cint(doc.file_size) or len(doc.content or b"")
	if size > MAX_BYTES:
		frappe.throw(
			_("A complaint's attachment may be at most {0} MB").format(MAX_BYTES // (1024 * 1024)),
			AttachmentError,
		)
	if not cint(doc.is_private):  # personal data: never a public file
		frappe.throw(_("A complaint's attachments must be private files"), AttachmentError)


def after_insert(doc, method=None):
	if doc.attached_to_doctype != wf.DOCTYPE or not doc.attached_to_name:
		return
	frappe.get_doc(wf.DOCTYPE, doc.attached_to_name).add_comment(
		"Info", _("Attachment added by {0}: {1}").format(frappe.session.user, doc.file_name)
	)


def on_trash(doc, method=None):
	if doc.attached_to_doctype != wf.DOCTYPE or not doc.attached_to_name:
		return
	state = frappe.db.get_value(wf.DOCTYPE, doc.attached_to_name, "workflow_state")
	if state in wf.FINAL_STATES:
		frappe.throw(
			_("Complaint {0} is {1} and can no longer be changed").format(doc.attached_to_name, _(state)),
			AttachmentError,
		)
	frappe.get_doc(wf.DOCTYPE, doc.attached_to_name).add_comment(
		"Info", _("Attachment removed by {0}: {1}").format(frappe.session.user, doc.file_name)
	)

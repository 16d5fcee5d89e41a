"""The repeat check's (institution, received_at) index on sites made before it (issue 14)."""

from hsq_app.complaints.doctype.hsq_complaint import hsq_complaint


def execute():
	hsq_complaint.on_doctype_update()

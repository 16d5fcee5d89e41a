"""Access Log entries for views of complaints that carry personal data.

Kept for the callers that log a view explicitly (the form's onload, the audit trail); every read
door is logged by hsq_app.security.access_log, once per document and request.
"""

from hsq_app.security.access_log import note, shown_personal_fields


def log_personal_data_view(doc, method: str = "Form") -> None:
	if fields := shown_personal_fields(doc, stripped=False):
		kind = "read" if method == "Form" else method  # the form's read is the same view as its load
		note(doc.doctype, doc.name, method=method, columns=", ".join(sorted(fields)), kind=kind)

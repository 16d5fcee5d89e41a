"""The guest survey door: ``POST /api/method/hsq_app.api.survey.submit``.

Body: ``code`` (what a QR poster or SMS link carries), ``overall_score`` (1-5), optional ``answers``
(a list of ``{item, score}`` or ``{item, value}``), ``comment``, and for department codes ``kind``
(Outpatient | Inpatient); ``device`` (the page's random device id), ``wants_callback`` and ``phone``
(kept only when the patient asks to be called back). Answers ``{"name": ...}``; bad input → HTTP 417
with a readable message and nothing stored; too many answers from one address → HTTP 429.
"""

import frappe

from hsq_app.survey import answer


@frappe.whitelist(allow_guest=True, methods=["POST"])
def submit(
	code=None,
	overall_score=None,
	answers=None,
	comment=None,
	kind=None,
	device=None,
	wants_callback=None,
	phone=None,
):
	form = locals()
	return {"name": answer.submit(form)}

"""/survey/<code>: the light survey page patients open from a QR poster or an SMS link (guest).

A page of its own, not the website theme: no desk or website bundles, so it opens fast in WeChat's
browser on a weak connection (its weight is measured in tests/test_survey_page.py).
"""

import frappe
from frappe import _

from hsq_app.survey.answer import page_context

no_cache = 1
sitemap = 0


def get_context(context):
	context.no_cache = 1
	code = frappe.form_dict.get("code") or ""
	context.survey = page_context(code)
	context.title = _("Satisfaction Survey")
	return context

"""Process-wide adjustments of Frappe that must be in place before a request is parsed.

Applied once per process when the package is imported (``hsq_app/__init__.py``), which happens
before the first request of a worker that serves through :mod:`hsq_app.wsgi`, in every job and
test run, and at the latest in the first request's ``before_request`` hooks.

* A request body that claims to be JSON but is not answers **HTTP 417** with a readable message
  (Frappe 15 parses it before any hook runs and answers 500 with a traceback).
"""

from __future__ import annotations

import json

_applied = False


def apply() -> None:
	global _applied
	if _applied:
		return
	_applied = True
	import frappe
	import frappe.app

	class MalformedRequestError(frappe.ValidationError):
		http_status_code = 417

	original = frappe.app.make_form_dict

	def make_form_dict(request):
		try:
			return original(request)
		except json.JSONDecodeError:
			frappe.local.form_dict = frappe._dict()
			from frappe import _

			frappe.throw(_("The request body is not valid JSON"), MalformedRequestError)

	frappe.app.make_form_dict = make_form_dict

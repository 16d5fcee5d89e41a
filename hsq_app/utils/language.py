"""Guests see the site's language (Chinese), or the one their browser asks for.

Frappe 15 picks a request's language before it knows the session (``HTTPRequest.set_lang`` runs
before ``set_session``), so for a guest it finds no user, takes them for logged in and falls back
to English. The public pages (/complaint, /service-quality) are for patients: once the session is
known, choose again as Frappe means to (``_lang``, cookie, Accept-Language, system default).
"""

import frappe
from frappe.translate import get_language


def set_guest_language():
	"""before_request hook."""
	if getattr(frappe.local, "request", None) is None or frappe.session.user != "Guest":
		return
	frappe.local.lang = get_language()

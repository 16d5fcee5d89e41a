"""The app's WSGI entry point for production (gunicorn ``hsq_app.wsgi:application``).

Frappe's own ``frappe.app:application`` with the app's process-wide adjustments
(:mod:`hsq_app.boot`, applied when the package is imported) in place before the first request.
"""

from frappe.app import application

import hsq_app

__all__ = ["application", "hsq_app"]

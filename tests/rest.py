"""HTTP doors for tests: Frappe's WSGI app driven by werkzeug's test client in a worker thread.

The request runs with its own frappe.local and database connection (as in production), so it
only sees committed data: tests using it commit their setup and clean up afterwards.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import frappe
from werkzeug.test import Client


def api_token(user: str) -> str:
	"""Give the user API credentials (committed) and return the Authorization header value."""
	doc = frappe.get_doc("User", user)
	if not doc.api_key:
		doc.api_key = frappe.generate_hash(length=15)
	secret = frappe.generate_hash(length=15)
	doc.api_secret = secret
	doc.flags.ignore_permissions = True
	doc.save()
	frappe.db.commit()  # the HTTP request reads users from its own connection
	return f"token {doc.api_key}:{secret}"


def request(method: str, path: str, *, token: str | None = None, json_body=None, ip: str = "127.0.0.1", **kw):
	site = frappe.local.site
	sites_path = frappe.local.sites_path

	def run():
		from frappe.app import application

		headers = {"Host": site, "Accept": "application/json", "X-Forwarded-For": ip}
		if token:
			headers["Authorization"] = token
		if json_body is not None:
			kw["data"] = json.dumps(json_body)
			headers["Content-Type"] = "application/json"
		import os

		os.environ.setdefault("SITES_PATH", sites_path)
		return Client(application).open(path, method=method, headers=headers, **kw)

	with ThreadPoolExecutor(max_workers=1) as pool:
		response = pool.submit(run).result()
	try:
		response.body = response.json
	except Exception:
		response.body = None
	return response

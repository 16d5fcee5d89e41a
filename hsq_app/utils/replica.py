"""Reads from the read replica, and from the primary when the replica cannot be reached.

Frappe routes reports, list views, counts and exports (everything under ``@frappe.read_only()``)
to the replica when the site config says ``read_from_replica``. Frappe connects lazily, so a
stopped replica would fail every list view and report with a connection error. ``install()``
(a ``before_request`` and ``before_job`` hook) makes Frappe try the replica first and, when it does
not answer, keep reading from the primary for that call: the desk keeps working, a little slower,
and the fallback is logged (``logs/hsq.replica.log``) so the admin sees it. It also lets every read of a request or job use the
replica, where Frappe 15 only routes the first one.
"""

from __future__ import annotations

import frappe

_CONNECTION_ERRORS = (2002, 2003, 2006, 2013, 1045, 1049)


def _is_connection_error(exc: Exception) -> bool:
	code = exc.args[0] if getattr(exc, "args", None) else None
	return code in _CONNECTION_ERRORS or exc.__class__.__name__ in {"OperationalError", "InterfaceError"}


def _connect_replica_or_stay_on_primary(original):
	def connect_replica() -> bool:
		local = frappe.local
		if getattr(local, "primary_db", None) is not None and local.db is local.primary_db:
			# a replica read earlier in this request or job ended (Frappe closed the replica connection
			# and went back to the primary but kept both attributes, which would keep every later read
			# of the request on the primary): start afresh
			del local.primary_db
			if hasattr(local, "replica_db"):
				del local.replica_db
		switched = original()
		if not switched:
			return switched
		try:
			frappe.local.db.connect()
		except Exception as exc:
			if not _is_connection_error(exc):
				raise
			frappe.local.db = frappe.local.primary_db
			for attr in ("replica_db", "primary_db"):
				if hasattr(frappe.local, attr):
					delattr(frappe.local, attr)
			frappe.logger("hsq.replica").warning(
				f"replica {frappe.conf.replica_host}:{frappe.conf.replica_db_port} unreachable, read from the primary: {exc}"
			)
			frappe.local.hsq_replica_fallback = True
			return False
		return True

	connect_replica._hsq_fallback = True
	return connect_replica


def install(*args, **kwargs) -> None:
	"""Wrap frappe.connect_replica once per process (idempotent)."""
	if not getattr(frappe.connect_replica, "_hsq_fallback", False):
		frappe.connect_replica = _connect_replica_or_stay_on_primary(frappe.connect_replica)

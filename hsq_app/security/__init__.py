"""Isolation and personal data that hold at every door (issue 11).

The app's records are isolated by User Permissions on HSQ Institution and the ``*`` hooks of
:mod:`hsq_app.permissions`. Frappe has doors those do not reach; this package closes them in a
few places that every door goes through, rather than door by door:

* :mod:`.isolation` (through the ``*`` permission hooks and Frappe's child-row check): child-table
  rows follow their parent; Comment, Version, ToDo, File, Access Log, ... rows follow the
  document they reference;
* :mod:`.query_guard` (a wrapper of ``DatabaseQuery``, the engine of get_list, report view,
  counts, group-by counts, export and link search): no filter, sort, group or computation on a
  field the user may not read, phone numbers masked for roles that do not call, and every result
  carrying personal data in clear written to the Access Log;
* :mod:`.access_log`: the Access Log for single-document reads (form, ``frappe.client.get``,
  REST, print) and the one writer every door uses;
* :mod:`.masking`: who sees which phone numbers, and the logged ``reveal``;
* ``hsq_app.api.overrides``: Frappe endpoints that run queries without permissions (counts,
  link search with ``ignore_user_permissions``, assigned-to counts) replaced by permission-applied ones.

tests/test_door_sweep.py proves it: every whitelisted method, as every restricted role, aimed at
another institution's records carrying canary values, answers no canary.
"""

_applied = False


def apply() -> None:
	"""Install the wrappers (idempotent). Called when hsq_app is imported, in every process."""
	global _applied
	if _applied:
		return
	from hsq_app.security import access_log, isolation, query_guard

	query_guard.patch()
	access_log.patch()
	isolation.patch()
	_applied = True

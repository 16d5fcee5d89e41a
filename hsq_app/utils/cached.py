"""Small lookups asked on every complaint's insert, kept in Redis and forgotten when they change.

``lookup(key, field, compute)`` answers from the Redis hash ``key`` (computing and keeping a missing
field); ``forget(key)`` drops the hash now, after the transaction commits and after it rolls back,
so that no value read inside a transaction that did not commit outlives it.
"""

from collections.abc import Callable

import frappe

MISSING = ""  # kept for "none": Redis keeps no None


def lookup(key: str, field: str, compute: Callable[[], str | None]) -> str | None:
	return frappe.cache.hget(key, field, lambda: compute() or MISSING) or None


def forget(key: str) -> None:
	def drop():
		frappe.cache.delete_value(key)

	drop()
	frappe.db.after_commit.add(drop)
	frappe.db.after_rollback.add(drop)

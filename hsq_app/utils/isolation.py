"""Transactions that read committed data (READ COMMITTED) for a batch step of the app's own, on the
connection it shares with the rest of the request or job."""

from __future__ import annotations

from contextlib import contextmanager

import frappe


@contextmanager
def read_committed():
	"""The connection's transactions inside the block are READ COMMITTED: a locking read locks the
	rows it returns, not the gaps beside them (nor the rows a plan merely passed), and
	``INSERT … SELECT`` reads its source without share-locking it. The level is the session's, so
	the caller's transaction is committed first: call it with nothing pending (after a commit),
	and commit or roll back the block's own work inside it. Afterwards the session's level is put
	back and the connection starts its next transaction at that level."""
	saved = frappe.db.sql("SELECT @@SESSION.tx_isolation")[0][0]
	frappe.db.sql("SET SESSION tx_isolation = 'READ-COMMITTED'")
	failed = False
	try:
		frappe.db.commit()  # the transaction already begun keeps its level: the next one reads committed
		yield
	except BaseException:
		failed = True
		raise
	finally:
		frappe.db.sql("SET SESSION tx_isolation = %s", (saved,))
		if failed:
			frappe.db.rollback()  # never commit what a failed block left half-way
		else:
			frappe.db.commit()  # nothing pending: a fresh transaction at the restored level

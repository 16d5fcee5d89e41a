"""Fill the ledger's and the resolution cells (hsq_app.complaints.ledger_stats) from the complaints
already there (a rebuild of every complaint cell)."""

from hsq_app.complaints import stats


def execute():
	stats.rebuild()

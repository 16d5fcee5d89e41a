"""Fill the per-day complaint cells (hsq_app.complaints.stats) from the complaints already there."""

from hsq_app.complaints import stats


def execute():
	stats.rebuild()

"""Fill the per-day follow-up figures (hsq_app.follow_up.stats) from the follow-ups already there."""

from hsq_app.follow_up import stats


def execute():
	stats.rebuild()

"""Fill the per-day discharge counts (hsq_app.follow_up.stats) from the discharge records already there."""

from hsq_app.follow_up import stats


def execute():
	stats.rebuild_discharges()

"""The app's one notion of "now" (jobs and whitelisted methods read it here).

``frappe.flags.hsq_now`` pins it (a benchmark replays a day, a test a moment); tests that need the
framework's own clock frozen too use ``FrappeTestCase.freeze_time``, which this follows.
"""

from __future__ import annotations

import datetime as dt

import frappe
from frappe.utils import get_datetime, now_datetime


def now(value=None) -> dt.datetime:
	"""``value`` if given, else the pinned clock, else the site's clock."""
	if value:
		return get_datetime(value)
	pinned = frappe.flags.get("hsq_now")
	return get_datetime(pinned) if pinned else now_datetime()

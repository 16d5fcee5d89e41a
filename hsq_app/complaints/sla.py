"""SLA clocks for complaints (issue: SLA clocks on Chinese working days).

The complaint controller calls :func:`on_validate` on every save and :func:`on_transition`
whenever the workflow moves a complaint; :func:`sweep` is the scheduled job.
"""


def on_validate(doc) -> None:
	"""Match the SLA policy and (re)compute deadlines when they depend on what changed."""


def on_transition(doc, from_state: str | None, to_state: str) -> None:
	"""Stamp acknowledged_at / resolved_at / closed_at and settle sla_status as the workflow moves."""


def sweep(now=None) -> dict:
	"""The scheduled SLA job: set sla_status, escalate, write HSQ Escalation Log rows."""
	return {}

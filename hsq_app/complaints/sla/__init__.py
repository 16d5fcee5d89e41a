"""SLA clocks for complaints on Chinese working days. One job per module:

* :mod:`.policy`: which HSQ SLA Policy governs a complaint (cached);
* :mod:`.clock`: deadline arithmetic and status, pure;
* :mod:`.deadlines`: the clock applied to a complaint on save and on each workflow move;
* :mod:`.sweep`: the scheduled job (statuses, escalations, HSQ Escalation Log);
* :mod:`.notify`: who hears of an escalation, bell notifications and digest emails;
* :mod:`.desk`: the form's and list's doors (indicator, time left, pause, resume).

Pauses and extension decisions live with their DocTypes (HSQ SLA Pause, HSQ SLA Extension).
The names below are the dotted paths hooks, the contract (``hsq_app.complaints.sla.sweep``),
the complaint controller and the desk's JavaScript call.
"""

from hsq_app.complaints.sla.clock import SLAError
from hsq_app.complaints.sla.deadlines import on_calendar_change, on_transition, on_validate
from hsq_app.complaints.sla.desk import get_sla_summary, get_time_left, pause, resume
from hsq_app.complaints.sla.policy import on_policy_change
from hsq_app.complaints.sla.sweep import sweep

__all__ = [
	"SLAError",
	"get_sla_summary",
	"get_time_left",
	"on_calendar_change",
	"on_policy_change",
	"on_transition",
	"on_validate",
	"pause",
	"resume",
	"sweep",
]

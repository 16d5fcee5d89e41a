"""Rectification tasks (整改台账): PDCA stage, sign-off rules, effect evaluation, overdue flags.

The task's lifecycle rules are its controller's (HSQRectificationTask); this module holds the task's
vocabulary (states, errors, notifications). The workflow
itself ("HSQ Rectification Workflow", see :mod:`hsq_app.rectification.setup`) decides who may
press which button, this module decides what a transition needs and what it records:

* **Start** (Open → In Progress) needs a responsible leader, a root cause and at least one measure;
* **Submit** (In Progress → Pending Verification) needs every measure done and at least one
  evidence file attached as a *private* file; it stamps ``submitted_by`` / ``submitted_at``;
* **Verify** (Pending Verification → Closed) stamps ``verified_by`` / ``verified_at`` and records the
  effect evaluation; the verifier may be neither the responsible leader nor whoever submitted;
* **Return** (Pending Verification → In Progress) needs a ``return_reason``.

While a task waits for verification only the verifier's fields (return reason, effect
evaluation) change; a Closed task never changes again and no task is ever deleted.
"""

import frappe

from hsq_app import roles as R
from hsq_app.utils.clock import now as clock_now
from hsq_app.utils.notify import bell

TASK = "HSQ Rectification Task"
OPEN, IN_PROGRESS, PENDING, CLOSED = "Open", "In Progress", "Pending Verification", "Closed"
PDCA_BY_STATE = {OPEN: "Plan", IN_PROGRESS: "Do", PENDING: "Check", CLOSED: "Act"}
DEFAULT_DEADLINE_DAYS = 30
MIN_AFTER_WINDOW_DAYS = 7

# fields the app itself derives; nobody's edit rights are checked against them
SYSTEM_FIELDS = frozenset(
	{
		"workflow_state",
		"pdca_stage",
		"submitted_by",
		"submitted_at",
		"verified_by",
		"verified_at",
		"is_overdue",
		"overdue_notified_on",
		"evidence_count",
		"complaints_before",
		"complaints_after",
		"satisfaction_before",
		"satisfaction_after",
		"effect_result",
		"effect_summary",
	}
)
# what a verifier writes while a task waits for verification
VERIFIER_FIELDS = frozenset({"return_reason", "effect_evaluation"})
# roles that work on a task (as opposed to verifying it)
WORKING_ROLES = frozenset({R.QUALITY_OFFICER, R.INSTITUTION_LEADER, R.DEPARTMENT_HEAD, R.HANDLER})
DEPARTMENT_LEVEL_ROLES = frozenset({R.DEPARTMENT_HEAD, R.HANDLER})


class RectificationError(frappe.ValidationError):
	pass


class ClosedTaskError(RectificationError):
	pass


class MeasuresNotDoneError(RectificationError):
	pass


class EvidenceMissingError(RectificationError):
	pass


class ReturnReasonMissingError(RectificationError):
	pass


class VerifierError(RectificationError):
	pass


def now():
	"""The current time (:func:`hsq_app.utils.clock.now`)."""
	return clock_now()


def count_evidence(name: str | None) -> int:
	if not name:
		return 0
	return frappe.db.count(
		"File", {"attached_to_doctype": TASK, "attached_to_name": name, "is_private": 1, "is_folder": 0}
	)


def notify(user: str | None, task: str, subject: str) -> None:
	"""A desk notification (the bell) about a task."""
	bell(user, subject, TASK, task)

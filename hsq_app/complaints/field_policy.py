"""Who may write which field of a complaint, in which state: enforced on the server, every door.

The form's read-only flags and the workflow's ``allow_edit`` are conveniences of the desk; this
module is the control. It runs first in ``HSQComplaint.validate``, on the values the caller sent,
before the app derives anything:

* **system fields** (counters, timestamps, who submitted or registered, the tracking code, the
  transfer history, SLA deadlines and status, escalation) change only through the app's own code
  paths, which say so with ``doc.flags.hsq_system``; a user's save that changes one is refused;
* **content fields** change only for a role that owns them in the complaint's current state
  (:data:`EDITABLE`), plus the fields the workflow action being applied asks for;
* **severity** after dispatch may be changed only by the quality officer or the institution
  leader, with a reason that goes into the history; approval follows the highest severity the
  complaint has had (``highest_severity``, see :func:`hsq_app.complaints.workflow.needs_leader_approval`).

Administrator is not bound (data repair from the console goes through the same saves).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime

from hsq_app import roles as R
from hsq_app.complaints import workflow as wf


class SystemFieldError(frappe.PermissionError):
	"""A user tried to write a field only the app writes."""


class FieldNotEditableError(frappe.PermissionError):
	"""A user tried to write a field their role does not own in the complaint's state."""


class SeverityChangeError(frappe.ValidationError):
	"""Severity changed after dispatch without the right role or a reason."""


# derived by the controller on every save from other fields, whatever the caller sent
DERIVED = ("intake_key", "highest_severity", "phone_key", "summary")

SYSTEM_FIELDS = (
	"registered_by",
	"tracking_code",
	"reopen_count",
	"submitted_by",
	"transfers",
	"sla_policy",
	"sla_status",
	"escalation_level",
	"deadline_is_provisional",
	"acknowledge_by",
	"first_contact_by",
	"resolve_by",
	"warn_by",
	"acknowledged_at",
	"resolved_at",
	"closed_at",
	"paused_since",
	"paused_hours",
	"extension_days",
	# issue 16: repeats and platform work orders (hsq_app.complaints.repeats, .platform)
	"repeat_of",
	"repeat_count",
	"merged_into",
	"platform",
	"platform_order_no",
	"platform_status",
	"platform_sign_by",
	"platform_answer_by",
	"platform_signed_at",
	"urge_count",
)

REGISTRATION = (
	"naming_series",
	"channel",
	"external_ref",
	"received_at",
	"is_anonymous",
	"complainant_name",
	"complainant_phone",
	"relation_to_patient",
	"patient_name",
	"institution",
	"department",
	"visit_date",
	"staff_involved",
	"category",
	"severity",
	"is_complex",
	"handler",
	"description",
	"demands",
)
HANDLING = (
	"finding",
	"resolution",
	"reply_to_complainant",
	"first_contact_at",
	"staff_involved",
	"is_complex",
)

# state -> role -> fields that role may change while the complaint is in that state
EDITABLE: dict[str, dict[str, tuple[str, ...]]] = {
	wf.REGISTERED: {
		R.QUALITY_OFFICER: REGISTRATION,
		R.BUREAU_ADMIN: REGISTRATION,
		R.FOLLOW_UP_AGENT: (),
		R.INSTITUTION_LEADER: ("non_acceptance_reason",),
	},
	wf.DISPATCHED: {
		R.DEPARTMENT_HEAD: ("return_reason", "handler"),
		R.QUALITY_OFFICER: ("severity", "severity_change_reason"),
		R.INSTITUTION_LEADER: ("severity", "severity_change_reason"),
	},
	wf.ACCEPTED: {
		R.HANDLER: HANDLING,
		R.DEPARTMENT_HEAD: (*HANDLING, "handler"),
		R.QUALITY_OFFICER: ("severity", "severity_change_reason"),
		R.INSTITUTION_LEADER: ("severity", "severity_change_reason"),
	},
	wf.IN_PROGRESS: {
		R.HANDLER: HANDLING,
		R.DEPARTMENT_HEAD: (*HANDLING, "handler"),
		R.QUALITY_OFFICER: ("severity", "severity_change_reason"),
		R.INSTITUTION_LEADER: ("severity", "severity_change_reason"),
	},
	wf.PENDING_APPROVAL: {
		R.QUALITY_OFFICER: ("severity", "severity_change_reason"),
		R.INSTITUTION_LEADER: ("severity", "severity_change_reason"),
	},
	wf.RESOLVED: {R.QUALITY_OFFICER: ("complainant_feedback",)},
}

# fields the desk's action dialog fills together with an action (one save, one version): the
# workflow's (complaints/workflow.py ACTION_FIELDS, required and optional)
ACTION_FIELDS = {action: wf.fields_of(action) for action in wf.ACTION_FIELDS}

SEVERITY_ORDER = ("Low", "Medium", "High", "Urgent")
SEVERITY_ROLES = (R.QUALITY_OFFICER, R.INSTITUTION_LEADER, R.BUREAU_ADMIN)
# metadata Frappe itself keeps on every save
IGNORED = {
	"modified",
	"modified_by",
	"creation",
	"owner",
	"idx",
	"docstatus",
	"_assign",
	"_comments",
	*DERIVED,
}


def exempt(doc) -> bool:
	return bool(doc.flags.hsq_system) or frappe.session.user == "Administrator"


def _norm(df, value):
	if df.fieldtype in ("Int", "Check"):
		return cint(value)
	if df.fieldtype in ("Float", "Currency", "Percent"):
		return flt(value)
	if df.fieldtype in ("Datetime", "Date") and value:
		return get_datetime(value)
	if df.fieldtype in frappe.model.table_fields:
		return [_row_values(row) for row in value or []]
	return value if value not in ("", None) else None


def _row_values(row) -> tuple:
	"""A child row as the values its user-entered columns hold (fetched columns follow the links)."""
	meta = frappe.get_meta(row.doctype)
	return tuple(
		str(row.get(df.fieldname) or "")
		for df in meta.fields
		if df.fieldtype not in frappe.model.no_value_fields and not df.fetch_from
	)


def changed_fields(doc, before) -> list[str]:
	"""Fields whose value the caller changed against the stored document."""
	out = []
	for df in doc.meta.fields:
		no_value = (
			df.fieldtype in frappe.model.no_value_fields and df.fieldtype not in frappe.model.table_fields
		)
		if no_value or df.fieldname in IGNORED:
			continue
		if _norm(df, doc.get(df.fieldname)) != _norm(df, before.get(df.fieldname)):
			out.append(df.fieldname)
	return out


def editable_fields(state: str, roles: list[str] | set[str], action: str | None = None) -> set[str]:
	"""What a holder of ``roles`` may change in ``state`` (with ``action`` being applied)."""
	per_role = EDITABLE.get(state, {})
	fields = {f for role in roles for f in per_role.get(role, ())}
	return fields | set(ACTION_FIELDS.get(action, ()))


def label(doc, field: str) -> str:
	return _(doc.meta.get_label(field))


def on_insert(doc) -> None:
	"""A new complaint starts with no system field set by its caller."""
	if exempt(doc):
		return
	for field in SYSTEM_FIELDS:
		df = doc.meta.get_field(field)
		if df and df.fieldtype in frappe.model.table_fields:
			if doc.get(field):
				frappe.throw(
					_("{0} is kept by the system and cannot be entered").format(label(doc, field)),
					SystemFieldError,
				)
		elif df:
			doc.set(field, None)


def check(doc, before) -> None:
	"""Refuse a save whose caller changed what they may not (see the module's docstring)."""
	if before is None or exempt(doc):
		return
	changed = [f for f in changed_fields(doc, before) if f != "workflow_state"]
	if not changed:
		return
	system = [f for f in changed if f in SYSTEM_FIELDS]
	if system:
		frappe.throw(
			_("{0} is kept by the system and cannot be changed").format(
				", ".join(label(doc, f) for f in system)
			),
			SystemFieldError,
		)
	roles = set(frappe.get_roles())
	action = wf.ACTION_BY_MOVE.get((before.workflow_state, doc.workflow_state))
	allowed = editable_fields(before.workflow_state, roles, action)
	refused = [f for f in changed if f not in allowed]
	if refused:
		frappe.throw(
			_("In state {0} your role may not change: {1}").format(
				_(before.workflow_state), ", ".join(label(doc, f) for f in refused)
			),
			FieldNotEditableError,
		)
	if "severity" in changed and before.workflow_state != wf.REGISTERED:
		check_severity_change(doc, before, roles)


def check_severity_change(doc, before, roles: set[str]) -> None:
	if not roles & set(SEVERITY_ROLES):
		frappe.throw(
			_("After dispatch only the quality officer or the institution leader may change the severity"),
			SeverityChangeError,
		)
	reason = (doc.severity_change_reason or "").strip()
	if not reason or reason == (before.severity_change_reason or "").strip():
		frappe.throw(_("Changing the severity after dispatch needs a reason"), SeverityChangeError)
	doc.flags.hsq_severity_change = (before.severity, doc.severity, reason)


def record_severity_change(doc) -> None:
	"""on_update: the severity change and its reason go into the complaint's history."""
	change = doc.flags.pop("hsq_severity_change", None)
	if change:
		old, new, reason = change
		doc.add_comment(
			"Info", _("Severity changed from {0} to {1}: {2}").format(_(old or ""), _(new or ""), reason)
		)


def highest_severity(*values: str | None) -> str | None:
	ranked = [v for v in values if v in SEVERITY_ORDER]
	return max(ranked, key=SEVERITY_ORDER.index) if ranked else None

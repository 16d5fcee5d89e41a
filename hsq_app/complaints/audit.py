"""Inspector audit of complaints: a complaint's full history on one page, and monthly audit samples.

:func:`get_history` gathers everything the system recorded about one complaint (field versions,
workflow transitions, comments, escalations, assignments, transfers, views of personal data) for
the desk page ``complaint-audit``. It is read-only and open to the bureau's roles and to the
complaint's own institution leader and quality officer.

:func:`draw_sample` is the reproducible draw behind **HSQ Complaint Audit**: the same seed and
the same closed complaints always give the same sample.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import add_months, get_datetime, get_first_day, getdate, now_datetime

from hsq_app import roles as R
from hsq_app.complaints import workflow as wf
from hsq_app.utils.sampling import draw, fill, sample_size

DOCTYPE = "HSQ Complaint"
AUDIT_ROLES = (R.BUREAU_ADMIN, R.BUREAU_INSPECTOR, R.INSTITUTION_LEADER, R.QUALITY_OFFICER, "System Manager")
# comment types that are noise in an audit trail
SKIPPED_COMMENT_TYPES = ("Like",)
MASK = "***"
# what an audit row copies of each sampled complaint
SAMPLE_FIELDS = ("closed_at", "category", "department", "finding", "complainant_feedback")


# --------------------------------------------------------------------------------------------------
# history of one complaint
# --------------------------------------------------------------------------------------------------


def can_audit(doc, user: str | None = None) -> bool:
	"""Audit roles who may read the complaint (institution isolation applies as for reading)."""
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	if set(AUDIT_ROLES).isdisjoint(frappe.get_roles(user)):
		return False
	return bool(frappe.has_permission(DOCTYPE, "read", doc, user=user))


@frappe.whitelist()
def get_history(complaint: str) -> dict:
	"""Everything recorded about one complaint, oldest first in each section. Read-only."""
	if not complaint or not frappe.db.exists(DOCTYPE, complaint):
		frappe.throw(_("Complaint {0} does not exist").format(complaint), frappe.DoesNotExistError)
	doc = frappe.get_doc(DOCTYPE, complaint)
	if not can_audit(doc):
		frappe.throw(
			_(
				"Only the bureau and the complaint's institution leader or quality officer may see its audit trail"
			),
			frappe.PermissionError,
		)
	from hsq_app.complaints.access import log_personal_data_view

	log_personal_data_view(doc, method="Audit Trail")
	versions = _versions(doc)
	moves = _transitions(doc, versions)
	for v in versions:
		v.pop("_raw_changed", None)
	return {
		"complaint": _summary(doc),
		"transitions": moves,
		"versions": versions,
		"workflow_comments": _comments(doc, only=("Workflow",)),
		"comments": _comments(doc, exclude=("Workflow", *SKIPPED_COMMENT_TYPES)),
		"escalations": frappe.get_all(
			"HSQ Escalation Log",
			filters={"complaint": doc.name},
			fields=["name", "level", "escalated_at", "notified"],
			order_by="escalated_at asc, level asc",
		),
		"assignments": frappe.get_all(
			"ToDo",
			filters={"reference_type": DOCTYPE, "reference_name": doc.name},
			fields=["allocated_to", "assigned_by", "status", "description", "creation", "modified"],
			order_by="creation asc",
		),
		"transfers": [
			{
				"from_institution": t.from_institution,
				"to_institution": t.to_institution,
				"reason": t.reason,
				"transferred_by": t.transferred_by,
				"transferred_at": t.transferred_at,
			}
			for t in doc.transfers
		],
		"access_log": frappe.get_all(
			"Access Log",
			filters={"export_from": DOCTYPE, "reference_document": doc.name},
			fields=["user", "method", "creation"],
			order_by="creation asc",
		),
	}


def _summary(doc) -> dict:
	"""What identifies the complaint on the page; personal data stays in the form."""
	return {
		"name": doc.name,
		"workflow_state": doc.workflow_state,
		"workflow_state_label": _(doc.workflow_state),
		"institution": doc.institution,
		"department": doc.department,
		"category": doc.category,
		"channel": doc.channel,
		"severity": doc.severity,
		"received_at": doc.received_at,
		"registered_by": doc.registered_by,
		"creation": doc.creation,
		"owner": doc.owner,
	}


def _readable(doc, fieldname: str) -> bool:
	df = doc.meta.get_field(fieldname)
	return not df or not df.permlevel or doc.has_permlevel_access_to(fieldname, permission_type="read")


def _shown(doc, fieldname: str, value):
	if value in (None, ""):
		return value
	if not _readable(doc, fieldname):
		return MASK
	df = doc.meta.get_field(fieldname)
	if fieldname == "workflow_state" or (df and df.fieldtype == "Select"):
		return _(value)
	return value


def _versions(doc) -> list[dict]:
	"""Version documents of the complaint, each as a list of readable changes."""
	rows = frappe.get_all(
		"Version",
		filters={"ref_doctype": DOCTYPE, "docname": doc.name},
		fields=["name", "owner", "creation", "data"],
		order_by="creation asc",
	)
	out = []
	for row in rows:
		data = json.loads(row.data or "{}")
		changes = [
			{
				"field": field,
				"label": _(doc.meta.get_label(field)),
				"old": _shown(doc, field, old),
				"new": _shown(doc, field, new),
			}
			for field, old, new in data.get("changed") or []
		]
		tables = []
		for key, verb in (("added", _("row added")), ("removed", _("row removed"))):
			for table, _row in data.get(key) or []:
				tables.append({"table": _(doc.meta.get_label(table)), "change": verb})
		for table, _idx, _rowname, _fields in data.get("row_changed") or []:
			tables.append({"table": _(doc.meta.get_label(table)), "change": _("row changed")})
		out.append(
			{
				"version": row.name,
				"by": row.owner,
				"at": row.creation,
				"created": bool(data.get("creation")),
				"changes": changes,
				"table_changes": tables,
				"_raw_changed": data.get("changed") or [],
			}
		)
	return out


def _state_of(content: str | None) -> str | None:
	"""The workflow state a Workflow comment names (it holds the state's label in the actor's language)."""
	text = frappe.utils.strip_html(content or "").strip()
	for state in wf.STATES:
		if text in (state, _(state, "zh"), _(state, "en"), _(state)):
			return state
	return None


def transitions(doc, versions: list[dict] | None = None) -> list[dict]:
	"""Workflow moves, oldest first: {at, by, action, from_state, to_state} (states untranslated).

	Each Workflow comment is a move (apply_workflow and apply_action write one). The comment
	names only the new state; the state before is the Version saved with it where there is one
	(same user, within seconds), otherwise the previous move's state. A transfer between
	institutions restarts the chain at Registered.
	"""
	versions = _versions(doc) if versions is None else versions
	state_moves = []
	for v in versions:
		move = next((c for c in v["_raw_changed"] if c[0] == "workflow_state"), None)
		if move:
			state_moves.append((get_datetime(v["at"]), v["by"], move[1], move[2]))
	events = [(get_datetime(c["at"]), "move", c) for c in _comments(doc, only=("Workflow",))]
	events += [(get_datetime(t.transferred_at), "transfer", t) for t in doc.transfers if t.transferred_at]
	events.sort(key=lambda e: e[0])
	out = [
		{
			"at": doc.creation,
			"by": doc.registered_by or doc.owner,
			"action": "Registration",
			"from_state": None,
			"to_state": wf.REGISTERED,
		}
	]
	previous = wf.REGISTERED
	for at, kind, item in events:
		if kind == "transfer":
			previous = wf.REGISTERED
			continue
		to_state = _state_of(item["content"])
		from_state = previous
		for v_at, v_by, old, new in state_moves:
			if v_by == item["by"] and new == to_state and abs((v_at - at).total_seconds()) <= 5:
				from_state = old
				break
		out.append(
			{
				"at": item["at"],
				"by": item["by"],
				"action": wf.ACTION_BY_MOVE.get((from_state, to_state)),
				"from_state": from_state,
				"to_state": to_state or item["content"],
			}
		)
		previous = to_state or previous
	return out


def _transitions(doc, versions: list[dict]) -> list[dict]:
	"""transitions() with labels in the reader's language."""
	return [
		{
			**t,
			"action": _(t["action"]) if t["action"] else _("State changed"),
			"from_state": _(t["from_state"]) if t["from_state"] else None,
			"to_state": _(t["to_state"]) if t["to_state"] else None,
		}
		for t in transitions(doc, versions)
	]


def _comments(doc, only: tuple = (), exclude: tuple = ()) -> list[dict]:
	filters = {"reference_doctype": DOCTYPE, "reference_name": doc.name}
	if only:
		filters["comment_type"] = ("in", only)
	elif exclude:
		filters["comment_type"] = ("not in", exclude)
	rows = frappe.get_all(
		"Comment",
		filters=filters,
		fields=["comment_type", "comment_email", "owner", "content", "creation"],
		order_by="creation asc",
	)
	return [
		{
			"type": r.comment_type,
			"type_label": _(r.comment_type),
			"by": r.comment_email or r.owner,
			"at": r.creation,
			"content": r.content,
		}
		for r in rows
	]


# --------------------------------------------------------------------------------------------------
# monthly audit sample (HSQ Complaint Audit)
# --------------------------------------------------------------------------------------------------


def month_bounds(month) -> tuple:
	"""First moment of the month and first moment of the next one."""
	start = get_first_day(getdate(month))
	return get_datetime(start), get_datetime(add_months(start, 1))


def closed_in_month(institution: str, month) -> list[str]:
	"""Names of the institution's Closed complaints closed in that month, sorted (the population)."""
	start, end = month_bounds(month)
	return sorted(
		frappe.get_all(
			DOCTYPE,
			filters=[
				["institution", "=", institution],
				["workflow_state", "=", wf.CLOSED],
				["closed_at", ">=", start],
				["closed_at", "<", end],
			],
			pluck="name",
		)
	)


def draw_sample(population: list[str], seed: str, size: int) -> list[str]:
	"""A reproducible random sample, in name order (hsq_app.utils.sampling)."""
	return sorted(draw(sorted(population), str(seed), size))


def new_seed() -> str:
	return frappe.generate_hash(length=12)


def fill_sample(audit) -> None:
	"""Draw the sample for a new HSQ Complaint Audit (called before insert)."""
	if getdate(audit.month) > getdate(now_datetime()):
		frappe.throw(_("The audit month {0} lies in the future").format(audit.month))
	if frappe.db.exists("HSQ Complaint Audit", {"institution": audit.institution, "month": audit.month}):
		frappe.throw(
			_("{0} already has an audit sample for {1}").format(audit.institution, str(audit.month)[:7]),
			frappe.DuplicateEntryError,
		)
	population = closed_in_month(audit.institution, audit.month)
	size = sample_size(len(population), audit.sample_rate, audit.sample_size)
	if not size:
		frappe.throw(
			_("{0} closed no complaints in {1}: there is nothing to audit").format(
				audit.institution, str(audit.month)[:7]
			)
		)
	audit.seed = audit.seed or new_seed()
	audit.population = len(population)
	audit.inspector = frappe.session.user
	info = {
		r.name: r
		for r in frappe.get_all(
			DOCTYPE,
			filters={"name": ("in", population)},
			fields=["name", *SAMPLE_FIELDS],
		)
	}
	sampled = [info[name] for name in draw_sample(population, audit.seed, size)]
	fill(audit, "items", sampled, {"complaint": "name", **{f: f for f in SAMPLE_FIELDS}})


def validate_audit(audit) -> None:
	"""Sampled rows stay as drawn; verdicts are stamped; status and counts follow the verdicts."""
	before = audit.get_doc_before_save()
	if before:
		if sorted(r.complaint for r in before.items) != sorted(r.complaint for r in audit.items):
			frappe.throw(_("The audit sample is drawn once and cannot be changed"))
		old = {r.complaint: (r.verdict, r.note) for r in before.items}
	else:
		old = {}
	for row in audit.items:
		if row.verdict == "Non-compliant" and not (row.note or "").strip():
			frappe.throw(_("Row {0}: a Non-compliant verdict needs a note").format(row.idx))
		if row.verdict and old.get(row.complaint) != (row.verdict, row.note):
			row.checked_by = frappe.session.user
			row.checked_at = now_datetime()
		if not row.verdict:
			row.checked_by = row.checked_at = None
	audit.compliant_count = sum(1 for r in audit.items if r.verdict == "Compliant")
	audit.non_compliant_count = sum(1 for r in audit.items if r.verdict == "Non-compliant")
	audit.status = "Completed" if audit.items and all(r.verdict for r in audit.items) else "In Review"

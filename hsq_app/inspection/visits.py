"""Inspection visits (专项整治督查): checklist results, weighted score, rectification, re-inspection.

The controller of HSQ Inspection is thin and calls this module:

* **creating** a visit copies the template's items that apply to the institution's type and grade
  (:func:`hsq_app.inspection.checklist.items_for`); a re-inspection copies the failed items of the
  visit it re-inspects, each with the rectification task that item proposed;
* **recording** (Draft, the Bureau Inspector's): a Count item's result follows from its count
  against the minimum, a Score item's from its score against the minimum; the total is the
  weighted share of what passed (Not Applicable items count nowhere);
* **submitting** needs a result on every item; each failed item proposes one rectification task
  (source Inspection, the item as the problem, the responsible department if recorded, the
  template's deadline) through the rectification ledger's own door (a task insert as the
  inspector). On a re-inspection an item found passing verifies its task (the workflow's Verify,
  when the institution has submitted it), an item still failing returns it;
* a visit is **Closed** when every task it proposed or re-checked is closed (kept in step by the
  task's ``on_update``), or at once when nothing failed;
* the institution sees its submitted visits (never drafts) and replies through :func:`reply`.
"""

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.utils import add_days, cint, cstr, flt, getdate, now_datetime

from hsq_app import roles as R
from hsq_app.inspection.checklist import items_for
from hsq_app.permissions import is_unscoped
from hsq_app.utils.text import plain_text

INSPECTION = "HSQ Inspection"
TASK = "HSQ Rectification Task"
DRAFT, SUBMITTED, CLOSED = "Draft", "Submitted", "Closed"
PASS, FAIL, NA = "Pass", "Fail", "Not Applicable"
REPLY_MAX = 2000
NOTE_MAX = 1000
# what a row copies from its template item (nobody edits these on a visit)
DEFINITION_FIELDS = ("item", "area", "check_type", "minimum", "max_score", "weight", "category")
# what the app derives; a client's value is never taken
SYSTEM_FIELDS = (
	"status",
	"total_score",
	"failed_count",
	"submitted_at",
	"institution_reply",
	"replied_by",
	"replied_at",
)
INSTITUTION_REPLIERS = (R.INSTITUTION_LEADER, R.QUALITY_OFFICER, R.INSTITUTION_ADMIN)


class InspectionError(frappe.ValidationError):
	pass


class MissingResultError(InspectionError):
	pass


class InspectionLockedError(InspectionError):
	pass


# --------------------------------------------------------------------------------------------------
# controller entry points
# --------------------------------------------------------------------------------------------------


def before_insert(doc) -> None:
	doc.inspector = doc.inspector or frappe.session.user
	for field in SYSTEM_FIELDS:
		doc.set(field, None)
	doc.status = DRAFT
	given = {cstr(r.item).strip(): r for r in doc.items}
	if doc.reinspection_of:
		rows = reinspection_rows(doc)
	else:
		rows = items_for(doc.template, doc.institution)
	doc.set("items", [])
	for row in rows:
		recorded = given.get(cstr(row["item"]).strip())
		if recorded:
			row.update(
				{f: recorded.get(f) for f in ("result", "count", "score", "note", "photo", "department")}
			)
		doc.append("items", row)


def validate(doc) -> None:
	before = None if doc.is_new() else doc.get_doc_before_save()
	if before:
		check_changes(doc, before)
	validate_departments(doc)
	for row in doc.items:
		row.note = (plain_text(row.note) or "")[:NOTE_MAX] or None
	doc.team = (plain_text(doc.team) or "")[:NOTE_MAX] or None
	doc.summary = (plain_text(doc.summary) or "")[:REPLY_MAX] or None
	derive_results(doc)
	doc.total_score = weighted_score(doc.items)
	doc.failed_count = sum(1 for r in doc.items if r.result == FAIL)


def on_trash(doc) -> None:
	if doc.status != DRAFT:
		frappe.throw(_("A submitted inspection cannot be deleted"), InspectionLockedError)


def check_changes(doc, before) -> None:
	"""Server-side rules for an existing visit; the form's read-only flags are only a convenience."""
	if doc.flags.hsq_system:
		return
	if before.status != DRAFT:
		frappe.throw(_("A submitted inspection cannot be changed"), InspectionLockedError)
	for field in ("institution", "template", "reinspection_of", *SYSTEM_FIELDS):
		if cstr(doc.get(field)) != cstr(before.get(field)) and field not in ("total_score", "failed_count"):
			frappe.throw(
				_("{0} cannot be changed on an inspection").format(_(doc.meta.get_label(field))),
				InspectionError,
			)
	definition = lambda rows: [  # noqa: E731
		(cstr(r.item), cstr(r.check_type), cint(r.minimum), cint(r.max_score), flt(r.weight)) for r in rows
	]
	if definition(doc.items) != definition(before.items):
		frappe.throw(
			_("The checklist items of a visit come from its template and cannot be changed"), InspectionError
		)
	for row, old in zip(doc.items, before.items, strict=True):
		row.rectification_task = old.rectification_task
		row.area, row.category = old.area, old.category


def validate_departments(doc) -> None:
	for row in doc.items:
		if (
			row.department
			and frappe.db.get_value("HSQ Department", row.department, "institution") != doc.institution
		):
			frappe.throw(
				_("Row {0}: department {1} does not belong to institution {2}").format(
					row.idx, row.department, doc.institution
				),
				InspectionError,
			)


# --------------------------------------------------------------------------------------------------
# results and score
# --------------------------------------------------------------------------------------------------


def derive_results(doc) -> None:
	"""A Count item's result follows from its count, a Score item's from its score (once recorded)."""
	for row in doc.items:
		row.count = max(cint(row.count), 0)
		if row.check_type == "Score":
			row.score = min(max(flt(row.score), 0), cint(row.max_score) or flt(row.score))
		if row.result == NA:
			continue
		if row.check_type == "Count" and (row.count or row.result):
			row.result = PASS if row.count >= cint(row.minimum) else FAIL
		elif row.check_type == "Score" and (row.score or row.result):
			row.result = PASS if flt(row.score) >= cint(row.minimum) else FAIL


def item_fraction(row) -> float:
	"""How much of an item's weight it earns: 1 or 0, or score / maximum for a Score item."""
	if row.check_type == "Score" and cint(row.max_score):
		return flt(row.score) / cint(row.max_score)
	return 1.0 if row.result == PASS else 0.0


def weighted_score(rows) -> float:
	"""0–100: the weighted share earned by the items with a result of Pass or Fail."""
	scored = [r for r in rows if r.result in (PASS, FAIL)]
	total_weight = sum(flt(r.weight) for r in scored)
	if not total_weight:
		return 0
	return flt(100 * sum(flt(r.weight) * item_fraction(r) for r in scored) / total_weight, 1)


# --------------------------------------------------------------------------------------------------
# submit: rectification tasks, re-inspection
# --------------------------------------------------------------------------------------------------


def require_inspector() -> None:
	if frappe.session.user == "Administrator":
		return
	if R.BUREAU_INSPECTOR not in frappe.get_roles():
		frappe.throw(_("Only a bureau inspector may do this"), frappe.PermissionError)


def submit(doc) -> None:
	require_inspector()
	doc.check_permission("write")
	if doc.status != DRAFT:
		frappe.throw(_("This inspection has already been submitted"), InspectionLockedError)
	derive_results(doc)
	missing = [str(r.idx) for r in doc.items if not r.result]
	if missing:
		frappe.throw(
			_("Record a result for every item before submitting (missing: row {0})").format(
				", ".join(missing)
			),
			MissingResultError,
		)
	doc.status = SUBMITTED
	doc.submitted_at = now_datetime()
	doc.flags.hsq_system = True
	doc.save()
	if doc.reinspection_of:
		follow_through(doc)
	else:
		propose_tasks(doc)
	refresh_status(doc.name)
	doc.reload()


def propose_tasks(doc) -> list[str]:
	"""One rectification task per failed item, in one step."""
	deadline_days = (
		cint(frappe.db.get_value("HSQ Inspection Template", doc.template, "rectification_days")) or 30
	)
	made = []
	for row in doc.items:
		if row.result != FAIL or row.rectification_task:
			continue
		task = frappe.get_doc(
			{
				"doctype": TASK,
				"source_type": "Inspection",
				"source_name": doc.name,
				"institution": doc.institution,
				"responsible_department": row.department,
				"category": row.category,
				"problem": problem_text(doc, row),
				"deadline": add_days(getdate(doc.visit_date), deadline_days),
			}
		).insert()
		row.db_set("rectification_task", task.name)
		made.append(task.name)
	return made


def problem_text(doc, row) -> str:
	text = _("[{0}] {1}").format(_(row.area), row.item)
	if row.check_type == "Count":
		text += _(": found {0}, at least {1} required").format(cint(row.count), cint(row.minimum))
	elif row.check_type == "Score":
		text += _(": scored {0} of {1}, at least {2} required").format(
			flt(row.score), cint(row.max_score), cint(row.minimum)
		)
	if row.note:
		text += "\n" + row.note
	return text + "\n" + _("Inspection {0} on {1}").format(doc.name, doc.visit_date)


def reinspection_rows(doc) -> list[dict]:
	"""The failed items of the visit being re-inspected, each keeping the task it proposed."""
	original = frappe.get_doc(INSPECTION, doc.reinspection_of)
	if original.status == DRAFT:
		frappe.throw(_("Only a submitted inspection can be re-inspected"), InspectionError)
	doc.institution, doc.template = original.institution, original.template
	return [
		{
			**{f: row.get(f) for f in DEFINITION_FIELDS},
			"department": row.department,
			"rectification_task": row.rectification_task,
		}
		for row in original.items
		if row.result == FAIL
	]


def follow_through(doc) -> None:
	"""A re-inspection verifies the task of every item found passing and returns the others."""
	for row in doc.items:
		if not row.rectification_task:
			continue
		task = frappe.get_doc(TASK, row.rectification_task)
		if task.workflow_state == "Closed":
			continue
		passed = row.result in (PASS, NA)
		finding = (
			_("Re-inspection {0} on {1} found the item in order").format(doc.name, doc.visit_date)
			if passed
			else _("Re-inspection {0} on {1} found the item still failing").format(doc.name, doc.visit_date)
		)
		if row.note:
			finding += ": " + row.note
		if task.workflow_state == "Pending Verification":
			if passed:
				task.effect_evaluation = "\n".join(filter(None, [task.effect_evaluation, finding]))
				task.save()
				apply_workflow(task, "Verify")
			else:
				task.return_reason = finding
				task.save()
				apply_workflow(task, "Return")
		else:
			task.add_comment("Comment", finding)
	propose_tasks(doc)  # a failed item with no task yet (none, normally) proposes one


def refresh_status(name: str) -> None:
	"""Submitted → Closed once every task the visit proposed or re-checked is closed."""
	status = frappe.db.get_value(INSPECTION, name, "status")
	if status != SUBMITTED:
		return
	rows = frappe.get_all(
		"HSQ Inspection Item",
		filters={"parent": name, "parenttype": INSPECTION},
		fields=["result", "rectification_task"],
	)
	tasks = [r.rectification_task for r in rows if r.rectification_task]
	if any(r.result == FAIL and not r.rectification_task for r in rows):
		return
	if tasks and frappe.db.count(TASK, {"name": ("in", tasks), "workflow_state": ("!=", "Closed")}):
		return
	frappe.db.set_value(INSPECTION, name, "status", CLOSED)


def on_task_update(task, method=None) -> None:
	"""doc_events hook: a closed task may close the visits that proposed or re-checked it."""
	if task.source_type != "Inspection" or task.workflow_state != "Closed":
		return
	parents = frappe.get_all(
		"HSQ Inspection Item",
		filters={"rectification_task": task.name, "parenttype": INSPECTION},
		pluck="parent",
		distinct=True,
	)
	for name in parents:
		refresh_status(name)


def make_reinspection(doc) -> str:
	"""A draft re-inspection of the visit's failed items (the inspector's)."""
	require_inspector()
	if doc.status == DRAFT:
		frappe.throw(_("Only a submitted inspection can be re-inspected"), InspectionError)
	if not any(r.result == FAIL for r in doc.items):
		frappe.throw(_("Nothing failed on this inspection"), InspectionError)
	new = frappe.get_doc(
		{
			"doctype": INSPECTION,
			"reinspection_of": doc.name,
			"institution": doc.institution,
			"template": doc.template,
			"visit_date": getdate(now_datetime()),
			"team": doc.team,
		}
	).insert()
	return new.name


# --------------------------------------------------------------------------------------------------
# the institution's side
# --------------------------------------------------------------------------------------------------


def reply(doc, text: str) -> None:
	"""The institution's reply to a submitted visit (plain text, capped)."""
	roles = set(frappe.get_roles())
	if frappe.session.user != "Administrator" and (
		is_unscoped(frappe.session.user) or not roles & set(INSTITUTION_REPLIERS)
	):
		frappe.throw(_("Only the inspected institution may reply"), frappe.PermissionError)
	doc.check_permission("read")
	if doc.status == DRAFT:
		frappe.throw(_("This inspection has not been submitted yet"), InspectionError)
	text = (plain_text(cstr(text)) or "")[:REPLY_MAX]
	if not text:
		frappe.throw(_("Please write a reply"), InspectionError)
	doc.institution_reply = text
	doc.replied_by = frappe.session.user
	doc.replied_at = now_datetime()
	doc.flags.hsq_system = True
	doc.save(ignore_permissions=True)  # the institution reads a visit; its reply is the one field it writes
	doc.add_comment("Comment", _("Institution reply: {0}").format(text))


def query_conditions(user: str | None = None, doctype: str | None = None) -> str | None:
	"""Institutions see their submitted visits, never the inspector's drafts."""
	user = user or frappe.session.user
	if is_unscoped(user):
		return None
	return f"`tab{INSPECTION}`.`status` != 'Draft'"


def has_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	user = user or frappe.session.user
	if is_unscoped(user):
		return None
	return None if doc.get("status") != DRAFT or doc.is_new() else False

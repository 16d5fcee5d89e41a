"""Test data built the way users build it: documents inserted, users with roles and staff posts."""

from __future__ import annotations

import frappe
from frappe.utils import random_string

from hsq_app import roles as R


def as_user(user: str) -> None:
	"""Act as ``user`` from here on (their staff post read afresh): the one helper every test uses."""
	frappe.set_user(user)
	frappe.local.hsq_active_staff = {}


def uid(prefix: str = "") -> str:
	return f"{prefix}{random_string(6).lower()}"


def make_institution(name=None, type="Hospital", grade="Secondary", parent=None, **kw) -> str:
	if parent is None and type != "Bureau":
		parent = bureau()
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Institution",
			"institution_name": name or uid("机构"),
			"institution_type": type,
			"grade": grade,
			"parent_hsq_institution": parent,
			"is_group": 1,
			**kw,
		}
	).insert()
	return doc.name


def bureau() -> str:
	existing = frappe.db.get_value("HSQ Institution", {"institution_type": "Bureau"}, "name")
	return existing or make_institution("测试县卫生健康局", type="Bureau", grade="Ungraded", parent="")


def make_department(institution: str, name=None, head=None) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "HSQ Department",
				"department_name": name or uid("科室"),
				"institution": institution,
				"department_head": head,
			}
		)
		.insert()
		.name
	)


def make_user(*roles: str, email=None, first_name=None) -> str:
	email = email or f"{uid('u')}@test.hsq"
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": first_name or email.split("@")[0],
			"send_welcome_email": 0,
			"user_type": "System User",
			"roles": [{"role": r} for r in roles],
		}
	).insert(ignore_permissions=True)
	return user.name


def make_staff(institution: str, department=None, user=None, name=None, status="Active") -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "HSQ Staff",
				"staff_name": name or uid("员工"),
				"institution": institution,
				"department": department,
				"user": user,
				"status": status,
			}
		)
		.insert()
		.name
	)


def make_staff_user(institution: str, *roles: str, department=None) -> str:
	user = make_user(*roles)
	make_staff(institution, department=department, user=user)
	return user


class World(frappe._dict):
	"""Two hospitals under a bureau, each with two departments and a user per role."""


def make_world() -> World:
	w = World()
	w.bureau = bureau()
	w.bureau_admin = make_staff_user(w.bureau, R.BUREAU_ADMIN)
	w.inspector = make_staff_user(w.bureau, R.BUREAU_INSPECTOR)
	for key in ("a", "b"):
		inst = make_institution(uid(f"医院{key}"), grade="Secondary")
		d1, d2 = make_department(inst, "内科"), make_department(inst, "外科")
		w[key] = frappe._dict(
			institution=inst,
			dept1=d1,
			dept2=d2,
			admin=make_staff_user(inst, R.INSTITUTION_ADMIN),
			officer=make_staff_user(inst, R.QUALITY_OFFICER),
			leader=make_staff_user(inst, R.INSTITUTION_LEADER),
			head1=make_staff_user(inst, R.DEPARTMENT_HEAD, department=d1),
			head2=make_staff_user(inst, R.DEPARTMENT_HEAD, department=d2),
			handler1=make_staff_user(inst, R.HANDLER, department=d1),
			handler2=make_staff_user(inst, R.HANDLER, department=d2),
			agent=make_staff_user(inst, R.FOLLOW_UP_AGENT),
		)
		frappe.db.set_value("HSQ Department", d1, "department_head", w[key].head1)
		frappe.db.set_value("HSQ Department", d2, "department_head", w[key].head2)
	return w


def make_complaint(institution: str, **kw):
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "On-site",
			"received_at": frappe.utils.now_datetime(),
			"complainant_name": "张三",
			"complainant_phone": "13800138000",
			"patient_name": "张三",
			"institution": institution,
			"category": "Service Attitude",
			"description": "护士态度差",
			"severity": "Medium",
			**kw,
		}
	)
	doc.insert()
	return doc


# --- rectification and accountability ------------------------------------------------------------


def _as_complaint(doc):
	return frappe.get_doc("HSQ Complaint", doc) if isinstance(doc, str) else doc


def _save_directly(doc, **values):
	"""Write a complaint's state as if the workflow had moved it, then run its on_update hooks."""
	before = frappe.get_doc("HSQ Complaint", doc.name)
	doc.update(values)
	doc.db_update()
	doc.update_children()
	doc._doc_before_save = before
	doc.run_method("on_update")
	return doc


def close_complaint(doc, finding="Upheld", staff=None):
	"""Put a complaint into Closed with a finding (and, if given, the staff involved: one or a list).

	Writes the fields directly, so that recount tests can also put complaints into states the
	workflow itself never produces (a Closed complaint edited afterwards); the end-to-end path
	through the real workflow is tested in test_accountability_through_the_workflow.
	"""
	doc = _as_complaint(doc)
	if staff is not None:
		doc.set("staff_involved", [])
		for s in [staff] if isinstance(staff, str) else staff:
			doc.append("staff_involved", {"staff": s})
	return _save_directly(
		doc,
		workflow_state="Closed",
		finding=finding,
		resolution=doc.resolution or "已核实并处理",
		reply_to_complainant=doc.reply_to_complainant or "已答复",
		complainant_feedback=doc.complainant_feedback or "Satisfied",
		closed_at=frappe.utils.now_datetime(),
	)


def reopen_complaint(doc):
	"""Reopen a closed or resolved complaint (complainant dissatisfied): back to In Progress."""
	doc = _as_complaint(doc)
	return _save_directly(
		doc,
		workflow_state="In Progress",
		complainant_feedback="Dissatisfied",
		reopen_count=(doc.reopen_count or 0) + 1,
		closed_at=None,
	)


# ---------------------------------------------------------------- follow-ups (discharged patients)


def set_settings(**values):
	"""Change HSQ Settings for one test (rolled back with it)."""
	for field, value in values.items():
		frappe.db.set_single_value("HSQ Settings", field, value)


def discharge_row(institution: str, department: str, discharge_date, **kw) -> dict:
	"""One record as the HIS sends it to hsq_app.api.follow_up.import_discharges."""
	return {
		"patient_name": kw.pop("patient_name", uid("患者")),
		"medical_record_no": kw.pop("medical_record_no", uid("ZY")),
		"patient_phone": kw.pop("patient_phone", "13800138000"),
		"institution": institution,
		"department": department,
		"discharge_date": str(discharge_date),
		**kw,
	}


def follow_ups_of(discharge_record: str) -> list:
	return frappe.get_all(
		"HSQ Follow Up",
		filters={"discharge_record": discharge_record},
		fields=["name", "stage_days", "due_date", "assigned_to", "status"],
		order_by="stage_days asc",
	)


def discharge_by_mrn(institution: str, medical_record_no: str) -> str | None:
	return frappe.db.get_value(
		"HSQ Discharge Record", {"institution": institution, "medical_record_no": medical_record_no}
	)


def complete_follow_up(
	name: str, satisfaction: int = 5, scores: dict | None = None, issue=None, status="Completed"
):
	"""An agent's call, recorded as the form records it."""
	doc = frappe.get_doc("HSQ Follow Up", name)
	doc.status = status
	doc.channel = "Phone"
	doc.attempts = 1
	if status == "Completed":
		doc.overall_satisfaction = satisfaction
		doc.prefill_scores()
		for row in doc.scores:
			row.score = (scores or {}).get(row.dimension, satisfaction)
	doc.issue_found = issue
	doc.save()
	return doc


def frozen(at):
	"""freeze_time as FrappeTestCase.freeze_time does it (system time zone), usable in plain tests."""
	from frappe.tests.utils import FrappeTestCase

	return FrappeTestCase.freeze_time(None, at)


# doctypes whose rows a committing job (the SLA sweep) may leave behind, with their child tables
COMMITTED_DOCTYPES = (
	"HSQ Complaint",
	"HSQ Escalation Log",
	"Notification Log",
	"HSQ SLA Pause",
	"HSQ SLA Extension",
	"Comment",
	"ToDo",
	"Version",
	"Access Log",
	"Email Queue",
	"Email Account",
)


class committed:
	"""``with committed():`` for a test that runs a job which commits (the production path):
	whatever rows of COMMITTED_DOCTYPES the test leaves are deleted afterwards and the cleanup is
	committed, so later tests see the site as it was. ``restore`` names (doctype, name, fields)
	whose values are put back."""

	def __init__(self, *restore: tuple[str, str, tuple[str, ...]]):
		self.restore = restore

	def __enter__(self):
		self.before = {dt: set(frappe.get_all(dt, pluck="name")) for dt in COMMITTED_DOCTYPES}
		self.values = [
			(dt, name, frappe.db.get_value(dt, name, list(fields), as_dict=True))
			for dt, name, fields in self.restore
		]
		return self

	def __exit__(self, *exc):
		frappe.db.rollback()
		for dt in COMMITTED_DOCTYPES:
			new = list(set(frappe.get_all(dt, pluck="name")) - self.before[dt])
			for start in range(0, len(new), 500):
				names = new[start : start + 500]
				for child in frappe.get_meta(dt).get_table_fields():
					frappe.db.delete(child.options, {"parent": ("in", names), "parenttype": dt})
				if dt == "Email Queue":
					frappe.db.delete("Email Queue Recipient", {"parent": ("in", names)})
				frappe.db.delete(dt, {"name": ("in", names)})
			if dt == "HSQ Complaint" and new:
				_recount_complaint_cells()
		for dt, name, values in self.values:
			frappe.db.set_value(dt, name, values, update_modified=False)
		frappe.db.commit()  # undo what the test committed
		return False


def remove_committed_complaints(names) -> None:
	"""Delete complaints an HTTP test committed, with the rows that reference them, and commit."""
	frappe.db.rollback()
	for name in names:
		frappe.db.delete("HSQ Complaint", {"name": name})
		for dt, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Access Log", "reference_document"),
			("Version", "docname"),
			("HSQ SMS Log", "reference_name"),
		):
			frappe.db.delete(dt, {field: name})
	_recount_complaint_cells()
	frappe.db.commit()


def _recount_complaint_cells() -> None:
	"""Complaints deleted behind the app (never in production): their per-day cells recounted."""
	from hsq_app.complaints import stats

	stats.rebuild()

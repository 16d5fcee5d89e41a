"""A foreign institution's records carrying canary values, and a door to call as each role.

Used by tests/test_isolation_doors.py (one finding per test) and tests/test_door_sweep.py (every
whitelisted method). The canaries are content only (names, phones, texts), never document names:
an error message that echoes the name the caller sent is not a leak.
"""

from __future__ import annotations

import json

import frappe
from factories import discharge_by_mrn, discharge_row, follow_ups_of, make_complaint, make_staff, make_user

from hsq_app import roles as R

CANARY = frappe._dict(
	complainant_name="金丝雀投诉人",
	complainant_phone="13987654321",
	patient_name="金丝雀病人甲",
	description="金丝雀投诉描述QX7",
	demands="金丝雀诉求QX8",
	staff_name="金丝雀员工QX9",
	comment="金丝雀评论暂停原因QZ1",
	todo="金丝雀待办QZ2",
	discharge_patient="金丝雀出院患者QZ3",
	discharge_phone="13987650000",
	mrn="JSQMRN4417",
	diagnosis="金丝雀诊断QZ4",
	follow_up_notes="金丝雀回访记录QZ5",
	dimension="金丝雀维度QZ6",
	file_name="jsq-canary-qz7.txt",
)


def canary_hits(payload) -> list[str]:
	"""The canary values found anywhere in a JSON-able payload (also masked-phone safe)."""
	text = json.dumps(payload, ensure_ascii=False, default=str)
	return [k for k, v in CANARY.items() if v in text]


def door(cmd: str, http_method: str = "POST", **kwargs):
	"""Call a whitelisted method as the HTTP handler does (overrides, whitelist and method checks).

	POST by default: Frappe's own access log commits inside GET requests even under tests.
	"""
	from frappe.handler import execute_cmd

	frappe.local.form_dict = frappe._dict(kwargs)
	frappe.local.response = frappe._dict(docs=[])
	had_request = hasattr(frappe.local, "request")
	previous = getattr(frappe.local, "request", None)
	frappe.local.request = frappe._dict(method=http_method, headers={}, path=f"/api/method/{cmd}")
	try:
		return execute_cmd(cmd)
	finally:
		# leave no request behind: later tests (print, pages) read frappe.local.request
		if had_request:
			frappe.local.request = previous
		else:
			del frappe.local.request


def make_canaries(w) -> frappe._dict:
	"""Institution b's records with canary values, as Administrator (the caller commits if needed)."""
	frappe.set_user("Administrator")
	b = w.b
	c = frappe._dict()
	c.staff = make_staff(b.institution, department=b.dept1, name=CANARY.staff_name)
	doc = make_complaint(
		b.institution,
		department=b.dept1,
		complainant_name=CANARY.complainant_name,
		complainant_phone=CANARY.complainant_phone,
		patient_name=CANARY.patient_name,
		description=CANARY.description,
		staff_involved=[{"staff": c.staff}],
	)
	c.complaint = doc.name
	c.version = (
		frappe.get_doc(
			{
				"doctype": "Version",
				"ref_doctype": "HSQ Complaint",
				"docname": doc.name,
				"data": json.dumps({"changed": [["demands", "", CANARY.demands]]}, ensure_ascii=False),
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	c.comment = doc.add_comment("Comment", CANARY.comment).name
	c.todo = (
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": b.handler1,
				"reference_type": "HSQ Complaint",
				"reference_name": doc.name,
				"description": CANARY.todo,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	c.file = (
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": CANARY.file_name,
				"attached_to_doctype": "HSQ Complaint",
				"attached_to_name": doc.name,
				"is_private": 1,
				"content": CANARY.description,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	from hsq_app.api.follow_up import import_discharges

	row = discharge_row(
		b.institution,
		b.dept1,
		frappe.utils.add_days(frappe.utils.nowdate(), -3),
		patient_name=CANARY.discharge_patient,
		patient_phone=CANARY.discharge_phone,
		medical_record_no=CANARY.mrn,
		diagnosis=CANARY.diagnosis,
	)
	import_discharges([row])
	c.discharge = discharge_by_mrn(b.institution, CANARY.mrn)
	c.follow_ups = [f.name for f in follow_ups_of(c.discharge)]
	fu = frappe.get_doc("HSQ Follow Up", c.follow_ups[0])
	fu.notes = CANARY.follow_up_notes
	fu.append("scores", {"dimension": CANARY.dimension, "score": 2})
	fu.flags.ignore_validate = True
	fu.save()
	c.follow_up = fu.name
	return c


def restricted_users(w) -> dict[str, str]:
	"""One user per restricted role, all of institution a (b holds the canaries)."""
	return {
		"officer": w.a.officer,
		"leader": w.a.leader,
		"head": w.a.head1,
		"handler": w.a.handler1,
		"agent": w.a.agent,
		"institution admin": w.a.admin,
		"intake": intake_user(),
	}


def intake_user() -> str:
	existing = frappe.get_all(
		"Has Role", filters={"role": R.INTAKE_INTEGRATION, "parenttype": "User"}, pluck="parent", limit=1
	)
	existing = [u for u in existing if u.endswith("@test.hsq")]
	return existing[0] if existing else make_user(R.INTAKE_INTEGRATION)

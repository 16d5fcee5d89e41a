"""The measures a recognition round ranks by, per staff member and department of an institution
over a period: compliments, satisfaction (follow-up calls and, where available, surveys), upheld
complaints and accountability records."""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Avg, Count
from frappe.utils import cint, flt, get_datetime, getdate

from hsq_app.recognition.compliments import counts as compliment_counts

UPHELD = ("Upheld", "Partially Upheld")


def figures(institution: str, start, end) -> tuple[list[dict], list[dict]]:
	"""(staff rows, department rows) with compliments, satisfaction, upheld complaints, accountability."""
	start, end = getdate(start), getdate(end)
	staff = frappe.get_all(
		"HSQ Staff",
		filters={"institution": institution, "status": "Active"},
		fields=["name", "staff_name", "department"],
		order_by="staff_name asc",
	)
	departments = frappe.get_all(
		"HSQ Department",
		filters={"institution": institution},
		fields=["name", "department_name"],
		order_by="department_name asc",
	)
	by_staff, by_dept = compliment_counts(institution, start, end)
	sat_staff, sat_dept = satisfaction(institution, start, end)
	upheld_staff, upheld_dept = upheld_complaints(institution, start, end)
	acc_staff = accountability(institution, start, end)
	staff_dept = {s.name: s.department for s in staff}

	def measures(key, by, sat, upheld, accountability) -> dict:
		mean, n = sat.get(key, (0, 0))
		return {
			"compliments": cint(by.get(key)),
			"satisfaction": flt(mean, 2),
			"satisfaction_count": n,
			"upheld_complaints": cint(upheld.get(key)),
			"accountability": accountability,
		}

	staff_rows = [
		{
			"staff": s.name,
			"label": s.staff_name,
			"department": s.department,
			**measures(s.name, by_staff, sat_staff, upheld_staff, cint(acc_staff.get(s.name))),
		}
		for s in staff
	]
	dept_rows = [
		{
			"department": d.name,
			"label": d.department_name,
			**measures(
				d.name,
				by_dept,
				sat_dept,
				upheld_dept,
				sum(cint(c) for s, c in acc_staff.items() if staff_dept.get(s) == d.name),
			),
		}
		for d in departments
	]
	return staff_rows, dept_rows


def _window(start, end):
	return get_datetime(f"{start} 00:00:00"), get_datetime(f"{end} 23:59:59.999999")


def satisfaction(institution: str, start, end) -> tuple[dict, dict]:
	"""({staff: (mean, n)}, {department: (mean, n)}) of follow-ups completed (and surveys answered)."""
	lo, hi = _window(start, end)
	FU, DR = frappe.qb.DocType("HSQ Follow Up"), frappe.qb.DocType("HSQ Discharge Record")
	base = (
		frappe.qb.from_(FU)
		.join(DR)
		.on(FU.discharge_record == DR.name)
		.where(DR.institution == institution)
		.where(FU.status == "Completed")
		.where(FU.completed_at >= lo)
		.where(FU.completed_at <= hi)
		.where(FU.overall_satisfaction > 0)
	)
	staff = {
		s: (flt(m), cint(n))
		for s, m, n in base.select(DR.attending_staff, Avg(FU.overall_satisfaction), Count(FU.name))
		.where(DR.attending_staff.isnotnull())
		.groupby(DR.attending_staff)
		.run()
	}
	sums = {
		d: (flt(m) * cint(n), cint(n))
		for d, m, n in base.select(DR.department, Avg(FU.overall_satisfaction), Count(FU.name))
		.where(DR.department.isnotnull())
		.groupby(DR.department)
		.run()
	}
	if _surveys_available():
		SR = frappe.qb.DocType("HSQ Survey Response")
		for d, m, n in (
			frappe.qb.from_(SR)
			.select(SR.department, Avg(SR.overall_score), Count(SR.name))
			.where(SR.institution == institution)
			.where(SR.creation >= lo)
			.where(SR.creation <= hi)
			.where(SR.overall_score > 0)
			.where(SR.department.isnotnull())
			.groupby(SR.department)
			.run()
		):
			total, count = sums.get(d, (0, 0))
			sums[d] = (total + flt(m) * cint(n), count + cint(n))
	departments = {d: (total / n, n) for d, (total, n) in sums.items() if n}
	return staff, departments


def _surveys_available() -> bool:
	if not frappe.db.exists("DocType", "HSQ Survey Response"):
		return False
	meta = frappe.get_meta("HSQ Survey Response")
	return all(meta.has_field(f) for f in ("institution", "department", "overall_score"))


def upheld_complaints(institution: str, start, end) -> tuple[dict, dict]:
	lo, hi = _window(start, end)
	C, S = frappe.qb.DocType("HSQ Complaint"), frappe.qb.DocType("HSQ Complaint Staff")
	cond = (
		(C.institution == institution)
		& C.finding.isin(UPHELD)
		& (C.received_at >= lo)
		& (C.received_at <= hi)
	)
	if frappe.get_meta("HSQ Complaint").has_field("merged_into"):
		cond &= C.merged_into.isnull() | (C.merged_into == "")
	staff = dict(
		frappe.qb.from_(C)
		.join(S)
		.on((S.parent == C.name) & (S.parenttype == "HSQ Complaint"))
		.select(S.staff, Count(C.name).distinct())
		.where(cond)
		.groupby(S.staff)
		.run()
	)
	departments = dict(
		frappe.qb.from_(C)
		.select(C.department, Count(C.name))
		.where(cond & C.department.isnotnull())
		.groupby(C.department)
		.run()
	)
	return staff, departments


def accountability(institution: str, start, end) -> dict:
	lo, hi = _window(start, end)
	A = frappe.qb.DocType("HSQ Accountability Record")
	return dict(
		frappe.qb.from_(A)
		.select(A.staff, Count(A.name))
		.where(A.subject_type == "Staff")
		.where(A.institution == institution)
		.where(A.status == "Approved")
		.where(A.creation >= lo)
		.where(A.creation <= hi)
		.groupby(A.staff)
		.run()
	)


# --------------------------------------------------------------------------------------------------
# the round (controller entry points and decisions)
# --------------------------------------------------------------------------------------------------

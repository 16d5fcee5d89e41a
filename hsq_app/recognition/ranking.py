"""Service stars (服务明星) and model departments (优质服务精品科室): a period's ranking per institution.

A **HSQ Recognition Round** is one institution's period (a quarter by default). The bureau admin
creates it with the weights it sets; the app figures, for every active staff member and every
department of the institution:

* compliments received in the period (:func:`hsq_app.recognition.compliments.counts`);
* satisfaction: the mean overall score of follow-ups completed in the period (the staff member as
  attending staff; for a department its patients' follow-ups, and its survey answers where the
  survey module is installed);
* upheld complaints received in the period (Upheld or Partially Upheld; merged duplicates count
  nowhere);
* approved accountability records raised in the period (staff; a department: its staff's).

``score = compliments × w_c + (satisfaction − 3) × w_s − upheld × w_u − accountability × w_a``
(no satisfaction answers: no satisfaction term). Ranks are competition ranks (1, 1, 3). A staff
member or department is eligible with a positive score and no upheld complaint or accountability
record; the proposal takes the top eligible share (default 20 % of the institution's staff,
rounded up) and 2–6 departments, and whoever ties with the last one proposed is proposed too
(departments never beyond six). The institution confirms (it may untick a proposal first), the
bureau approves; approved model departments are published (:func:`published_model_departments`).
"""

import math
from datetime import date

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, now_datetime

from hsq_app import roles as R
from hsq_app.permissions import is_unscoped
from hsq_app.recognition.measures import figures

ROUND = "HSQ Recognition Round"
PROPOSED, CONFIRMED, APPROVED = "Nominated", "Confirmed by Institution", "Approved"
MIN_DEPARTMENTS, MAX_DEPARTMENTS = 2, 6
WEIGHT_FIELDS = (
	"compliment_weight",
	"satisfaction_weight",
	"upheld_complaint_weight",
	"accountability_weight",
	"star_share",
	"model_departments",
	"period_start",
	"period_end",
)
CONFIRMERS = (R.INSTITUTION_LEADER, R.INSTITUTION_ADMIN)


class RecognitionError(frappe.ValidationError):
	pass


def quarter_bounds(day) -> tuple[date, date]:
	day = getdate(day)
	first_month = 3 * ((day.month - 1) // 3) + 1
	start = date(day.year, first_month, 1)
	end = add_days(date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1), -1)
	return start, getdate(end)


# --------------------------------------------------------------------------------------------------
# pure ranking
# --------------------------------------------------------------------------------------------------


def score_of(row: dict, weights: dict) -> float:
	value = row["compliments"] * flt(weights.get("compliment_weight"))
	if row.get("satisfaction_count"):
		value += (flt(row["satisfaction"]) - 3) * flt(weights.get("satisfaction_weight"))
	value -= row["upheld_complaints"] * flt(weights.get("upheld_complaint_weight"))
	value -= row["accountability"] * flt(weights.get("accountability_weight"))
	return flt(value, 2)


def assign_ranks(rows: list[dict]) -> list[dict]:
	"""Sort by score (highest first) and give competition ranks: equal scores share a rank."""
	rows.sort(key=lambda r: (-r["score"], r.get("label") or ""))
	for i, row in enumerate(rows):
		row["rank"] = rows[i - 1]["rank"] if i and row["score"] == rows[i - 1]["score"] else i + 1
	return rows


def eligible(row: dict) -> bool:
	return row["score"] > 0 and not row["upheld_complaints"] and not row["accountability"]


def propose(rows: list[dict], wanted: int, cap: int | None = None) -> None:
	"""Mark the top ``wanted`` eligible rows, plus whoever ties with the last (never beyond ``cap``)."""
	for row in rows:
		row["proposed"] = 0
	candidates = [r for r in rows if eligible(r)]
	if wanted <= 0 or not candidates:
		return
	cut = candidates[min(wanted, len(candidates)) - 1]["rank"]
	chosen = [r for r in candidates if r["rank"] <= cut]
	if cap is not None and len(chosen) > cap:
		chosen = [r for r in candidates if r["rank"] < cut]  # a tie across the cap is left out whole
	for row in chosen:
		row["proposed"] = 1


def star_count(share: float, staff_total: int) -> int:
	return math.ceil(flt(share) * staff_total / 100) if staff_total else 0


# --------------------------------------------------------------------------------------------------
# the figures
# --------------------------------------------------------------------------------------------------


def compute(doc) -> None:
	"""Fill the round's rankings and proposals from the period's figures and the round's weights."""
	weights = {f: doc.get(f) for f in WEIGHT_FIELDS}
	staff_rows, dept_rows = figures(doc.institution, doc.period_start, doc.period_end)
	for row in staff_rows + dept_rows:
		row["score"] = score_of(row, weights)
	assign_ranks(staff_rows)
	assign_ranks(dept_rows)
	propose(staff_rows, star_count(doc.star_share, len(staff_rows)))
	propose(dept_rows, cint(doc.model_departments), cap=MAX_DEPARTMENTS)
	drop = ("label",)
	doc.set("staff_results", [{k: v for k, v in r.items() if k not in drop} for r in staff_rows])
	doc.set("department_results", [{k: v for k, v in r.items() if k not in drop} for r in dept_rows])


def before_insert(doc) -> None:
	doc.status = PROPOSED
	doc.confirmed_by = doc.approved_by = doc.approved_at = None
	if not doc.period_start:
		doc.period_start, doc.period_end = quarter_bounds(add_days(quarter_bounds(now_datetime())[0], -1))
	compute(doc)


def validate(doc) -> None:
	if getdate(doc.period_end) < getdate(doc.period_start):
		frappe.throw(_("The period ends before it starts"), RecognitionError)
	if not MIN_DEPARTMENTS <= cint(doc.model_departments) <= MAX_DEPARTMENTS:
		frappe.throw(
			_("Propose between {0} and {1} model departments").format(MIN_DEPARTMENTS, MAX_DEPARTMENTS),
			RecognitionError,
		)
	if not 0 < flt(doc.star_share) <= 100:
		frappe.throw(_("The service star share is a percentage above 0"), RecognitionError)
	duplicate = frappe.db.exists(
		ROUND,
		{"institution": doc.institution, "period_start": doc.period_start, "name": ("!=", doc.name or "")},
	)
	if duplicate:
		frappe.throw(
			_("Institution {0} already has a ranking for this period: {1}").format(
				doc.institution, duplicate
			),
			RecognitionError,
		)
	before = None if doc.is_new() else doc.get_doc_before_save()
	if before and not doc.flags.hsq_system:
		check_changes(doc, before)


def check_changes(doc, before) -> None:
	"""The bureau sets weights (while proposed); the institution only ticks and unticks proposals."""
	if before.status != PROPOSED:
		frappe.throw(_("A confirmed ranking cannot be changed"), RecognitionError)
	for field in ("status", "institution", "confirmed_by", "approved_by", "approved_at"):
		if str(doc.get(field) or "") != str(before.get(field) or ""):
			frappe.throw(
				_("{0} cannot be changed here").format(_(doc.meta.get_label(field))), RecognitionError
			)
	bureau = is_unscoped(frappe.session.user)
	if not bureau:
		for field in WEIGHT_FIELDS:
			if str(doc.get(field) or "") != str(before.get(field) or ""):
				frappe.throw(_("Only the bureau sets the weights and the period"), frappe.PermissionError)
	figures_of = lambda rows: [  # noqa: E731
		(
			r.get("staff"),
			r.department,
			r.compliments,
			flt(r.satisfaction),
			r.upheld_complaints,
			r.accountability,
			flt(r.score),
			r.rank,
		)
		for r in rows
	]
	for table in ("staff_results", "department_results"):
		if figures_of(doc.get(table)) != figures_of(before.get(table)):
			if bureau:
				compute(doc)  # the bureau changed weights or rows: figures are recomputed, not typed
				return
			frappe.throw(_("The ranking's figures are computed and cannot be typed in"), RecognitionError)
	if bureau and any(str(doc.get(f) or "") != str(before.get(f) or "") for f in WEIGHT_FIELDS):
		compute(doc)
		return
	if not bureau:
		for table in ("staff_results", "department_results"):
			was = {r.name: cint(r.proposed) for r in before.get(table)}
			if any(cint(r.proposed) and not was.get(r.name) for r in doc.get(table)):
				frappe.throw(_("The institution may withdraw a nomination but not add one"), RecognitionError)


def confirm(doc) -> None:
	roles = set(frappe.get_roles())
	if frappe.session.user != "Administrator" and (
		is_unscoped(frappe.session.user) or not roles & set(CONFIRMERS)
	):
		frappe.throw(
			_("Only the institution's leader or administrator confirms its ranking"), frappe.PermissionError
		)
	doc.check_permission("write")
	if doc.status != PROPOSED:
		frappe.throw(_("This ranking is not awaiting confirmation"), RecognitionError)
	doc.status, doc.confirmed_by = CONFIRMED, frappe.session.user
	doc.flags.hsq_system = True
	doc.save()


def approve(doc) -> None:
	if frappe.session.user != "Administrator" and R.BUREAU_ADMIN not in frappe.get_roles():
		frappe.throw(_("Only a bureau admin approves a ranking"), frappe.PermissionError)
	doc.check_permission("write")
	if doc.status != CONFIRMED:
		frappe.throw(_("The institution has not confirmed this ranking yet"), RecognitionError)
	doc.status, doc.approved_by, doc.approved_at = APPROVED, frappe.session.user, now_datetime()
	doc.flags.hsq_system = True
	doc.save()


def create_rounds(period_start=None, weights: dict | None = None) -> list[str]:
	"""The bureau's one step: a round for every hospital and health centre missing one for the period."""
	if frappe.session.user != "Administrator" and R.BUREAU_ADMIN not in frappe.get_roles():
		frappe.throw(_("Only a bureau admin starts a ranking"), frappe.PermissionError)
	start, end = quarter_bounds(period_start or add_days(quarter_bounds(now_datetime())[0], -1))
	made = []
	for inst in frappe.get_all(
		"HSQ Institution", filters={"institution_type": ("!=", "Bureau")}, pluck="name"
	):
		if frappe.db.exists(ROUND, {"institution": inst, "period_start": start}):
			continue
		doc = frappe.get_doc(
			{"doctype": ROUND, "institution": inst, "period_start": start, "period_end": end}
		)
		doc.update(
			{
				k: v
				for k, v in (weights or {}).items()
				if k in WEIGHT_FIELDS and k not in ("period_start", "period_end")
			}
		)
		made.append(doc.insert().name)
	return made


def published_model_departments(limit: int = 50) -> list[dict]:
	"""Approved model departments of each institution's latest approved period (public: names only)."""
	RR, D = frappe.qb.DocType(ROUND), frappe.qb.DocType("HSQ Recognition Department Result")
	Dept, Inst = frappe.qb.DocType("HSQ Department"), frappe.qb.DocType("HSQ Institution")
	rounds = (
		frappe.qb.from_(RR)
		.select(RR.name, RR.institution, RR.period_start, RR.period_end)
		.where(RR.status == APPROVED)
		.orderby(RR.period_start, order=frappe.qb.desc)
		.run(as_dict=True)
	)
	latest = {}
	for r in rounds:
		latest.setdefault(r.institution, r)
	if not latest:
		return []
	rows = (
		frappe.qb.from_(D)
		.join(Dept)
		.on(D.department == Dept.name)
		.join(RR)
		.on(D.parent == RR.name)
		.join(Inst)
		.on(RR.institution == Inst.name)
		.select(Inst.institution_name, Dept.department_name, RR.period_start, RR.period_end, D.rank)
		.where(D.parenttype == ROUND)
		.where(D.proposed == 1)
		.where(RR.name.isin([r.name for r in latest.values()]))
		.orderby(Inst.institution_name)
		.orderby(D.rank)
		.limit(limit)
		.run(as_dict=True)
	)
	return rows

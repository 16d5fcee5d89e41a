"""Recognition: compliments (表扬) counted for their staff, and a quarter's ranking of service stars
and model departments with ties, an empty department, confirmation and approval."""

from datetime import date

import frappe
import pytest
from factories import (
	as_user,
	close_complaint,
	make_complaint,
	make_department,
	make_institution,
	make_staff,
	uid,
)

from hsq_app.recognition import compliments, ranking

ROUND, COMPLIMENT = "HSQ Recognition Round", "HSQ Compliment"
Q = (date(2026, 7, 1), date(2026, 9, 30))


@pytest.fixture
def w(shared_world):
	return shared_world


def praise(institution, staff=(), department=None, when="2026-08-10 10:00:00", user="Administrator", **kw):
	as_user(user)
	try:
		return frappe.get_doc(
			{
				"doctype": COMPLIMENT,
				"channel": "Silk Banner",
				"received_at": when,
				"institution": institution,
				"department": department,
				"staff": [{"staff": s} for s in staff],
				"description": "患者家属送来锦旗，感谢医护人员悉心照料",
				**kw,
			}
		).insert()
	finally:
		as_user("Administrator")


# --------------------------------------------------------------------------------------------------
# compliments
# --------------------------------------------------------------------------------------------------


def test_a_compliment_counts_for_its_staff_member_and_department(w):
	nurse = make_staff(w.a.institution, department=w.a.dept1, name=uid("护士"))
	doctor = make_staff(w.a.institution, department=w.a.dept2, name=uid("医生"))
	c = praise(w.a.institution, staff=[nurse], user=w.a.officer)
	assert c.department == w.a.dept1  # from the staff member praised
	assert c.registered_by == w.a.officer
	praise(w.a.institution, staff=[nurse, doctor], department=w.a.dept1)
	praise(w.a.institution, staff=[nurse], when="2026-10-02 09:00:00")  # next quarter
	by_staff, by_dept = compliments.counts(w.a.institution, *Q)
	assert by_staff[nurse] == 2 and by_staff[doctor] == 1
	assert by_dept[w.a.dept1] == 2 and w.a.dept2 not in by_dept


def test_a_compliment_names_only_its_institutions_staff_and_no_html(w):
	other = make_staff(w.b.institution)
	with pytest.raises(compliments.ComplimentError):
		praise(w.a.institution, staff=[other])
	with pytest.raises(compliments.ComplimentError):
		praise(w.a.institution, department=w.b.dept1)
	c = praise(w.a.institution, description="<script>x()</script>服务热情")
	assert "<" not in c.description and "服务热情" in c.description


def test_compliments_are_seen_along_the_staff_members_chain(w):
	nurse = make_staff(w.a.institution, department=w.a.dept1)
	c = praise(w.a.institution, staff=[nurse], user=w.a.officer)
	for user, sees in (
		(w.a.head1, True),
		(w.a.handler1, True),
		(w.a.leader, True),
		(w.bureau_admin, True),
		(w.a.head2, False),
		(w.b.officer, False),
		(w.b.leader, False),
	):
		as_user(user)
		assert (c.name in frappe.get_list(COMPLIMENT, pluck="name")) is sees, user
		assert (
			bool(frappe.has_permission(COMPLIMENT, "read", doc=frappe.get_doc(COMPLIMENT, c.name))) is sees
		), user
	as_user(w.a.handler1)
	with pytest.raises(frappe.PermissionError):
		praise(w.a.institution, staff=[nurse], user=w.a.handler1)


# --------------------------------------------------------------------------------------------------
# the quarter's ranking
# --------------------------------------------------------------------------------------------------


def test_ranks_share_places_on_ties_and_the_tie_at_the_cut_is_proposed_whole():
	rows = [
		{"label": n, "score": s, "compliments": 1, "upheld_complaints": 0, "accountability": 0}
		for n, s in (("a", 5), ("b", 3), ("c", 5), ("d", 3), ("e", 0))
	]
	ranking.assign_ranks(rows)
	assert [(r["label"], r["rank"]) for r in rows] == [("a", 1), ("c", 1), ("b", 3), ("d", 3), ("e", 5)]
	ranking.propose(rows, 3)
	assert [r["label"] for r in rows if r["proposed"]] == ["a", "c", "b", "d"]
	ranking.propose(rows, 3, cap=3)
	assert [r["label"] for r in rows if r["proposed"]] == ["a", "c"]
	assert ranking.star_count(20, 11) == 3 and ranking.star_count(20, 0) == 0


@pytest.fixture
def hospital():
	inst = make_institution(uid("医院"), grade="Secondary")
	depts = {n: make_department(inst, n) for n in ("内科", "外科", "儿科", "空科室")}
	staff = {
		n: make_staff(inst, department=depts[d], name=n)
		for n, d in (
			("张医生", "内科"),
			("李护士", "内科"),
			("王医生", "外科"),
			("赵护士", "外科"),
			("钱医生", "儿科"),
		)
	}
	return frappe._dict(institution=inst, depts=depts, staff=staff)


def test_a_quarters_ranking_with_ties_and_an_empty_department(w, hospital):
	h, s, d = hospital, hospital.staff, hospital.depts
	# 张医生 and 王医生 tie with two compliments each; 李护士 has one; 赵护士 one but an upheld complaint
	praise(h.institution, staff=[s["张医生"], s["王医生"]])
	praise(h.institution, staff=[s["张医生"]], department=d["内科"])
	praise(h.institution, staff=[s["王医生"]], department=d["外科"])
	praise(h.institution, staff=[s["李护士"]], department=d["儿科"])
	praise(h.institution, staff=[s["赵护士"]], department=d["外科"])
	praise(h.institution, staff=[s["张医生"]], when="2026-06-30 23:00:00")  # the quarter before
	complaint = make_complaint(h.institution, department=d["外科"], received_at="2026-08-01 10:00:00")
	close_complaint(complaint, finding="Upheld", staff=s["赵护士"])

	as_user(w.bureau_admin)
	doc = frappe.get_doc(
		{
			"doctype": ROUND,
			"institution": h.institution,
			"period_start": Q[0],
			"period_end": Q[1],
			"star_share": 20,
		}
	).insert()
	as_user("Administrator")

	stars = {frappe.db.get_value("HSQ Staff", r.staff, "staff_name"): r for r in doc.staff_results}
	assert (stars["张医生"].compliments, stars["王医生"].compliments) == (2, 2)
	assert stars["张医生"].rank == stars["王医生"].rank == 1
	assert stars["李护士"].rank == 3
	assert stars["赵护士"].upheld_complaints == 1 and stars["赵护士"].score < 0
	assert stars["钱医生"].score == 0
	# 20 % of 5 staff is one star, and the tie for first brings two
	assert sorted(n for n, r in stars.items() if r.proposed) == ["张医生", "王医生"]

	depts = {
		frappe.db.get_value("HSQ Department", r.department, "department_name"): r
		for r in doc.department_results
	}
	assert set(depts) == {"内科", "外科", "儿科", "空科室"}
	# the first compliment has no department: it takes 张医生's (内科)
	assert (
		depts["内科"].compliments == 2 and depts["外科"].compliments == 2 and depts["儿科"].compliments == 1
	)
	assert depts["外科"].upheld_complaints == 1
	empty = depts["空科室"]
	assert (empty.compliments, empty.satisfaction, empty.score, empty.proposed) == (0, 0, 0, 0)
	# below the praised departments, above 外科 with its upheld complaint (score below zero)
	assert empty.rank == 3 and depts["外科"].rank == 4 and depts["外科"].score < 0
	# two model departments wanted; 外科 has an upheld complaint, so 内科 and 儿科
	assert sorted(n for n, r in depts.items() if r.proposed) == ["儿科", "内科"]


def test_the_institution_confirms_and_the_bureau_approves_then_it_is_published(w):
	dept = w.a.dept1
	nurse = make_staff(w.a.institution, department=dept)
	praise(w.a.institution, staff=[nurse])
	as_user(w.bureau_admin)
	doc = frappe.get_doc(
		{"doctype": ROUND, "institution": w.a.institution, "period_start": Q[0], "period_end": Q[1]}
	).insert()
	with pytest.raises(frappe.PermissionError):
		doc.confirm()

	as_user(w.b.leader)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(ROUND, doc.name).check_permission("read")

	as_user(w.a.leader)
	mine = frappe.get_doc(ROUND, doc.name)
	mine.compliment_weight = 10
	with pytest.raises(frappe.PermissionError):
		mine.save()
	mine.reload()
	mine.staff_results[0].compliments = 99
	with pytest.raises(ranking.RecognitionError):
		mine.save()
	mine.reload()
	not_nominated = next((r for r in mine.staff_results if not r.proposed), None)
	if not_nominated:
		not_nominated.proposed = 1
		with pytest.raises(ranking.RecognitionError):
			mine.save()
		mine.reload()
	with pytest.raises(frappe.PermissionError):
		mine.approve()
	mine.confirm()
	assert mine.status == ranking.CONFIRMED and mine.confirmed_by == w.a.leader

	assert dept not in [r.department_name for r in ranking.published_model_departments()]
	as_user(w.bureau_admin)
	frappe.get_doc(ROUND, doc.name).approve()
	as_user("Administrator")
	assert frappe.db.get_value(ROUND, doc.name, "status") == "Approved"
	published = ranking.published_model_departments()
	name = frappe.db.get_value("HSQ Department", dept, "department_name")
	inst_name = frappe.db.get_value("HSQ Institution", w.a.institution, "institution_name")
	assert any(r.department_name == name and r.institution_name == inst_name for r in published)


def test_one_ranking_per_institution_and_period_and_bounds(w):
	as_user(w.bureau_admin)
	frappe.get_doc(
		{"doctype": ROUND, "institution": w.a.institution, "period_start": Q[0], "period_end": Q[1]}
	).insert()
	with pytest.raises(ranking.RecognitionError):
		frappe.get_doc(
			{"doctype": ROUND, "institution": w.a.institution, "period_start": Q[0], "period_end": Q[1]}
		).insert()
	with pytest.raises(ranking.RecognitionError):
		frappe.get_doc(
			{
				"doctype": ROUND,
				"institution": w.b.institution,
				"period_start": Q[0],
				"period_end": Q[1],
				"model_departments": 7,
			}
		).insert()
	assert ranking.quarter_bounds("2026-11-30") == (date(2026, 10, 1), date(2026, 12, 31))
	assert ranking.quarter_bounds("2026-02-10") == (date(2026, 1, 1), date(2026, 3, 31))


# --------------------------------------------------------------------------------------------------
# what is published and exported
# --------------------------------------------------------------------------------------------------


def approved_round(w, institution):
	as_user(w.bureau_admin)
	doc = frappe.get_doc(
		{"doctype": ROUND, "institution": institution, "period_start": Q[0], "period_end": Q[1]}
	).insert()
	doc.db_set("status", ranking.CONFIRMED)
	frappe.get_doc(ROUND, doc.name).approve()
	as_user("Administrator")
	return frappe.get_doc(ROUND, doc.name)


def test_model_departments_appear_on_the_public_page_once_approved(w):
	from frappe.website.serve import get_response_content

	nurse = make_staff(w.a.institution, department=w.a.dept1)
	praise(w.a.institution, staff=[nurse], from_name="患者王某", description="护士耐心细致")
	doc = approved_round(w, w.a.institution)
	assert [r.department for r in doc.department_results if r.proposed] == [w.a.dept1]
	frappe.set_user("Guest")
	html = get_response_content("service-quality")
	frappe.set_user("Administrator")
	assert 'id="hsq-sq-model-departments"' in html
	assert frappe.db.get_value("HSQ Department", w.a.dept1, "department_name") in html
	for private in ("患者王某", "护士耐心细致", nurse):
		assert private not in html


def test_the_staff_scorecard_exports_the_quarter_for_the_institution_only(w):
	from frappe.desk.query_report import run

	nurse = make_staff(w.a.institution, department=w.a.dept1, name=uid("护士"))
	praise(w.a.institution, staff=[nurse])
	praise(w.a.institution, staff=[nurse])
	approved_round(w, w.a.institution)
	filters = {"institution": w.a.institution, "from_date": str(Q[0]), "to_date": str(Q[1])}
	as_user(w.a.leader)
	result = run("Staff Service Scorecard", filters=filters, ignore_prepared_report=True)
	row = next(r for r in result["result"] if r["staff"] == nurse)
	assert row["compliments"] == 2 and row["rank"] == 1 and row["service_star"] == 1
	mine = run(
		"Staff Service Scorecard",
		filters={"from_date": str(Q[0]), "to_date": str(Q[1])},
		ignore_prepared_report=True,
	)
	assert any(r["staff"] == nurse for r in mine["result"])  # the leader's own institution by default
	as_user(w.b.leader)
	with pytest.raises(frappe.PermissionError):
		run("Staff Service Scorecard", filters=filters, ignore_prepared_report=True)
	as_user(w.a.handler1)
	with pytest.raises(frappe.PermissionError):
		run("Staff Service Scorecard", filters=filters, ignore_prepared_report=True)

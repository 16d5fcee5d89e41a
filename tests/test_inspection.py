"""Inspections (专项整治督查): checklists by institution type and grade, weighted scores, the
rectification loop through a re-inspection, and what each side may see and do."""

import frappe
import pytest
from factories import as_user, make_department, make_institution, make_staff_user, uid
from frappe.model.workflow import apply_workflow
from frappe.utils import add_days, today

from hsq_app import roles as R
from hsq_app.inspection import checklist, visits
from hsq_app.inspection.checklist import DEFAULT_TEMPLATE, ApplicabilityError

INSPECTION, TASK = "HSQ Inspection", "HSQ Rectification Task"
POSTERS = "24小时投诉电话张贴不低于5处"
GUIDE_DESK = "设置导医台并配备导医人员"
EVERY_WARD = "所有科室、病房均张贴24小时投诉电话"


@pytest.fixture
def w(shared_world):
	return shared_world


@pytest.fixture
def township(w):
	inst = make_institution(uid("镇卫生院"), type="Township Health Center", grade="Primary")
	dept = make_department(inst, "公共卫生科")
	return frappe._dict(
		institution=inst,
		dept=dept,
		officer=make_staff_user(inst, R.QUALITY_OFFICER),
		leader=make_staff_user(inst, R.INSTITUTION_LEADER),
	)


def plan_visit(inspector, institution, template=DEFAULT_TEMPLATE, **kw):
	as_user(inspector)
	try:
		return frappe.get_doc(
			{
				"doctype": INSPECTION,
				"institution": institution,
				"template": template,
				"visit_date": today(),
				**kw,
			}
		).insert()
	finally:
		as_user("Administrator")


def record(inspector, name, results: dict, default="Pass"):
	"""Record every item as the inspector: ``results`` maps an item to a dict of fields."""
	as_user(inspector)
	try:
		doc = frappe.get_doc(INSPECTION, name)
		for row in doc.items:
			values = results.get(row.item)
			if values is None:
				values = {"result": default}
				if row.check_type == "Count":
					values = {"count": row.minimum}
				elif row.check_type == "Score":
					values = {"score": row.max_score}
			row.update(values)
		doc.save()
		return doc
	finally:
		as_user("Administrator")


def submit(user, name):
	as_user(user)
	try:
		doc = frappe.get_doc(INSPECTION, name)
		doc.submit_visit()
		return doc
	finally:
		as_user("Administrator")


def items_of(doc):
	return [r.item for r in doc.items]


# --------------------------------------------------------------------------------------------------
# checklist: defaults and applicability
# --------------------------------------------------------------------------------------------------


def test_the_county_plan_checklist_is_installed_once_and_left_alone():
	tpl = frappe.get_doc("HSQ Inspection Template", DEFAULT_TEMPLATE)
	assert {POSTERS, GUIDE_DESK, EVERY_WARD} <= {r.item for r in tpl.items}
	posters = next(r for r in tpl.items if r.item == POSTERS)
	assert (posters.check_type, posters.minimum, posters.applies_to) == ("Count", 5, "Township Health Center")
	tpl.rectification_days = 45
	tpl.save()
	checklist.install_defaults()
	assert frappe.db.get_value("HSQ Inspection Template", DEFAULT_TEMPLATE, "rectification_days") == 45


@pytest.mark.parametrize(
	"inst_type, grade, expect, absent",
	[
		("Township Health Center", "Primary", [POSTERS], [GUIDE_DESK, EVERY_WARD]),
		("Hospital", "Secondary", [GUIDE_DESK, EVERY_WARD], [POSTERS]),
		("Hospital", "Tertiary", [GUIDE_DESK, EVERY_WARD], [POSTERS]),
		("Hospital", "Primary", [], [GUIDE_DESK, EVERY_WARD, POSTERS]),
		("Community Health Center", "Ungraded", [], [GUIDE_DESK, EVERY_WARD, POSTERS]),
	],
)
def test_items_apply_by_institution_type_and_grade(w, inst_type, grade, expect, absent):
	inst = make_institution(uid("机构"), type=inst_type, grade=grade)
	doc = plan_visit(w.inspector, inst)
	names = items_of(doc)
	assert set(expect) <= set(names)
	assert not set(absent) & set(names)
	# the items every institution gets
	assert "定时公布坐诊医生名单" in names and "张贴禁烟标识，院内无吸烟现象" in names
	assert doc.status == "Draft" and doc.inspector == w.inspector


def test_applies_to_accepts_chinese_and_rejects_unknown_words():
	assert checklist.normalize_applies_to("二级，医院, 三级") == "Hospital, Tertiary, Secondary"
	assert checklist.applies("", "Other", "Ungraded")
	assert not checklist.applies("Hospital", "Township Health Center", "Primary")
	with pytest.raises(ApplicabilityError):
		checklist.parse_applies_to("Hospital, 大医院")
	tpl = frappe.get_doc(
		{
			"doctype": "HSQ Inspection Template",
			"template_name": uid("模板"),
			"items": [
				{"item": "x", "area": "Other", "check_type": "Yes/No", "weight": 1, "applies_to": "Clinic"}
			],
		}
	)
	with pytest.raises(ApplicabilityError):
		tpl.insert()


# --------------------------------------------------------------------------------------------------
# weighting
# --------------------------------------------------------------------------------------------------


def make_template(**kw):
	return frappe.get_doc(
		{
			"doctype": "HSQ Inspection Template",
			"template_name": uid("模板"),
			"rectification_days": 20,
			"items": [
				{"item": "导医台", "area": "Guidance", "check_type": "Yes/No", "weight": 3},
				{
					"item": "卫生间",
					"area": "Appearance",
					"check_type": "Score",
					"minimum": 3,
					"max_score": 5,
					"weight": 1,
				},
				{
					"item": "投诉电话",
					"area": "Complaint Channels",
					"check_type": "Count",
					"minimum": 5,
					"weight": 2,
				},
				{"item": "绿色通道", "area": "Green Channel", "check_type": "Yes/No", "weight": 4},
				{
					"item": "仅医院",
					"area": "Other",
					"check_type": "Yes/No",
					"weight": 5,
					"applies_to": "Hospital",
				},
			],
			**kw,
		}
	).insert()


def test_score_is_weighted_and_not_applicable_counts_nowhere(w, township):
	tpl = make_template()
	doc = plan_visit(w.inspector, township.institution, template=tpl.name)
	assert items_of(doc) == ["导医台", "卫生间", "投诉电话", "绿色通道"]  # "仅医院" does not apply
	doc = record(
		w.inspector,
		doc.name,
		{
			"导医台": {"result": "Pass"},
			"卫生间": {"score": 4},  # 4/5 of weight 1, passes (minimum 3)
			"投诉电话": {"count": 3},  # below 5: fails, earns nothing of weight 2
			"绿色通道": {"result": "Not Applicable"},  # weight 4 left out
		},
	)
	results = {r.item: r.result for r in doc.items}
	assert results == {"导医台": "Pass", "卫生间": "Pass", "投诉电话": "Fail", "绿色通道": "Not Applicable"}
	# (3 * 1 + 1 * 0.8 + 2 * 0) / (3 + 1 + 2)
	assert doc.total_score == pytest.approx(63.3)
	assert doc.failed_count == 1


def test_a_count_result_follows_from_the_count_whatever_is_ticked(w, township):
	tpl = make_template()
	doc = plan_visit(w.inspector, township.institution, template=tpl.name)
	doc = record(w.inspector, doc.name, {"投诉电话": {"count": 4, "result": "Pass"}, "卫生间": {"score": 2}})
	results = {r.item: r.result for r in doc.items}
	assert results["投诉电话"] == "Fail" and results["卫生间"] == "Fail"


# --------------------------------------------------------------------------------------------------
# the loop: a failed item, its task, a re-inspection
# --------------------------------------------------------------------------------------------------


def work_task(township, task_name):
	"""The institution plans, does and submits the rectification (evidence attached)."""
	as_user(township.officer)
	task = frappe.get_doc(TASK, task_name)
	task.responsible_leader = township.leader
	task.root_cause = "宣传栏位置不足"
	task.append(
		"measures", {"measure": "门诊、病房、收费处等处补贴投诉电话", "due_date": add_days(today(), 5)}
	)
	task.save()
	apply_workflow(frappe.get_doc(TASK, task_name), "Start")
	task = frappe.get_doc(TASK, task_name)
	task.measures[0].done = 1
	task.save()
	frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{uid('poster-')}.txt",
			"attached_to_doctype": TASK,
			"attached_to_name": task_name,
			"is_private": 1,
			"content": b"photos of six posters",
		}
	).insert()
	apply_workflow(frappe.get_doc(TASK, task_name), "Submit")
	as_user("Administrator")


def test_township_with_three_posters_fails_proposes_one_task_and_a_reinspection_closes_it(w, township):
	doc = plan_visit(w.inspector, township.institution)
	doc = record(
		w.inspector, doc.name, {POSTERS: {"count": 3, "department": township.dept, "note": "仅门诊大厅等3处"}}
	)
	posters = next(r for r in doc.items if r.item == POSTERS)
	assert posters.result == "Fail"
	assert [r.item for r in doc.items if r.result == "Fail"] == [POSTERS]

	doc = submit(w.inspector, doc.name)
	assert doc.status == "Submitted"
	tasks = frappe.get_all(
		TASK,
		filters={"source_type": "Inspection", "source_name": doc.name},
		fields=[
			"name",
			"institution",
			"responsible_department",
			"deadline",
			"problem",
			"workflow_state",
			"raised_by_institution",
		],
	)
	assert len(tasks) == 1
	task = tasks[0]
	assert task.institution == township.institution and task.responsible_department == township.dept
	assert POSTERS in task.problem and "3" in task.problem
	assert str(task.deadline) == add_days(today(), 30)
	assert task.workflow_state == "Open" and not task.raised_by_institution
	assert frappe.db.get_value("HSQ Inspection Item", posters.name, "rectification_task") == task.name

	work_task(township, task.name)
	assert frappe.db.get_value(TASK, task.name, "workflow_state") == "Pending Verification"

	as_user(w.inspector)
	again = frappe.get_doc(INSPECTION, doc.name).make_reinspection()
	as_user("Administrator")
	re = frappe.get_doc(INSPECTION, again)
	assert re.reinspection_of == doc.name and items_of(re) == [POSTERS]
	assert re.items[0].rectification_task == task.name
	record(w.inspector, again, {POSTERS: {"count": 6}})
	re = submit(w.inspector, again)

	assert re.items[0].result == "Pass" and re.total_score == 100
	closed = frappe.db.get_value(
		TASK, task.name, ["workflow_state", "verified_by", "effect_evaluation"], as_dict=True
	)
	assert closed.workflow_state == "Closed" and closed.verified_by == w.inspector
	assert again in closed.effect_evaluation
	assert frappe.db.get_value(INSPECTION, doc.name, "status") == "Closed"
	assert frappe.db.get_value(INSPECTION, again, "status") == "Closed"
	assert frappe.db.count(TASK, {"source_type": "Inspection", "source_name": ("in", [doc.name, again])}) == 1


def test_a_reinspection_that_still_fails_returns_the_task(w, township):
	doc = plan_visit(w.inspector, township.institution)
	record(w.inspector, doc.name, {POSTERS: {"count": 2}})
	submit(w.inspector, doc.name)
	task = frappe.db.get_value(TASK, {"source_name": doc.name}, "name")
	work_task(township, task)
	as_user(w.inspector)
	again = frappe.get_doc(INSPECTION, doc.name).make_reinspection()
	as_user("Administrator")
	record(w.inspector, again, {POSTERS: {"count": 4}})
	submit(w.inspector, again)
	assert frappe.db.get_value(TASK, task, "workflow_state") == "In Progress"
	assert "4" in frappe.db.get_value(TASK, task, "return_reason") or frappe.db.get_value(
		TASK, task, "return_reason"
	)
	assert frappe.db.get_value(INSPECTION, doc.name, "status") == "Submitted"
	assert frappe.db.get_value(INSPECTION, again, "status") == "Submitted"


def test_a_visit_with_nothing_failed_closes_at_once(w):
	doc = plan_visit(w.inspector, w.a.institution)
	record(w.inspector, doc.name, {})
	doc = submit(w.inspector, doc.name)
	assert doc.status == "Closed" and doc.total_score == 100
	assert not frappe.db.count(TASK, {"source_name": doc.name})


def test_every_item_needs_a_result_before_submitting(w, township):
	doc = plan_visit(w.inspector, township.institution)
	with pytest.raises(visits.MissingResultError):
		submit(w.inspector, doc.name)
	assert frappe.db.get_value(INSPECTION, doc.name, "status") == "Draft"


def test_only_the_inspector_submits_and_a_submitted_visit_is_locked(w, township):
	doc = plan_visit(w.inspector, township.institution)
	record(w.inspector, doc.name, {})
	with pytest.raises(frappe.PermissionError):
		submit(w.bureau_admin, doc.name)
	submit(w.inspector, doc.name)
	as_user(w.inspector)
	doc = frappe.get_doc(INSPECTION, doc.name)
	doc.items[0].result = "Fail"
	with pytest.raises(visits.InspectionLockedError):
		doc.save()


def test_checklist_rows_cannot_be_added_or_rewritten(w, township):
	doc = plan_visit(w.inspector, township.institution)
	as_user(w.inspector)
	doc.items[0].weight = 100
	with pytest.raises(visits.InspectionError):
		doc.save()
	doc.reload()
	doc.append("items", {"item": "自加项目", "check_type": "Yes/No", "weight": 1, "result": "Fail"})
	with pytest.raises(visits.InspectionError):
		doc.save()


# --------------------------------------------------------------------------------------------------
# the institution's side
# --------------------------------------------------------------------------------------------------


def test_institutions_see_their_submitted_visits_only_and_reply(w):
	doc = plan_visit(w.inspector, w.a.institution)
	as_user(w.a.officer)
	assert doc.name not in frappe.get_list(INSPECTION, pluck="name")
	assert not frappe.has_permission(INSPECTION, "read", doc=frappe.get_doc(INSPECTION, doc.name))
	as_user("Administrator")

	record(w.inspector, doc.name, {GUIDE_DESK: {"result": "Fail"}})
	submit(w.inspector, doc.name)
	for user, sees in ((w.a.officer, True), (w.a.leader, True), (w.b.officer, False), (w.b.leader, False)):
		as_user(user)
		assert (doc.name in frappe.get_list(INSPECTION, pluck="name")) is sees, user

	as_user(w.a.officer)
	visit = frappe.get_doc(INSPECTION, doc.name)
	visit.items[0].note = "改了"
	with pytest.raises(frappe.PermissionError):
		visit.save()
	visit.reload()
	# the reply acts on the stored visit: a client's altered copy changes nothing else
	stored_score = visit.total_score
	visit.total_score = 100
	visit.items[0].result = "Pass"
	visit.reply("<b>已安排</b>导医台，下周到岗")
	assert frappe.db.get_value(INSPECTION, doc.name, "total_score") == stored_score
	assert frappe.db.get_value("HSQ Inspection Item", visit.items[0].name, "result") == "Fail"
	assert frappe.db.get_value(INSPECTION, doc.name, ["institution_reply", "replied_by"]) == (
		"已安排导医台，下周到岗",
		w.a.officer,
	)
	as_user(w.inspector)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(INSPECTION, doc.name).reply("督查员不能代答")


def test_another_institution_cannot_reach_a_visit_through_rest_doors(w):
	doc = plan_visit(w.inspector, w.a.institution)
	record(w.inspector, doc.name, {})
	submit(w.inspector, doc.name)
	as_user(w.b.officer)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(INSPECTION, doc.name).check_permission("read")
	from frappe.client import get_list

	assert doc.name not in [r["name"] for r in get_list(INSPECTION, limit_page_length=0)]


# --------------------------------------------------------------------------------------------------
# reports
# --------------------------------------------------------------------------------------------------


def test_scores_by_institution_and_area_and_the_most_failed_items(w, township):
	from frappe.desk.query_report import run

	for count in (3, 2):
		doc = plan_visit(w.inspector, township.institution)
		record(w.inspector, doc.name, {POSTERS: {"count": count}})
		submit(w.inspector, doc.name)
	other = plan_visit(w.inspector, w.a.institution)
	record(w.inspector, other.name, {GUIDE_DESK: {"result": "Fail"}})
	submit(w.inspector, other.name)
	draft = plan_visit(w.inspector, w.b.institution)
	record(w.inspector, draft.name, {GUIDE_DESK: {"result": "Fail"}})  # a draft counts nowhere

	as_user(w.inspector)
	scores = run("Inspection Scores", filters={}, ignore_prepared_report=True)["result"]
	mine = next(r for r in scores if r["institution"] == township.institution)
	assert mine["visits"] == 2 and mine["failed"] == 2 and mine["total_score"] < 100
	assert mine["area_complaint_channels"] < 100 and mine["area_appearance"] == 100
	assert not any(r["institution"] == w.b.institution for r in scores)

	failed = run("Most Failed Inspection Items", filters={}, ignore_prepared_report=True)["result"]
	top = {r["item"]: r for r in failed}
	assert top[POSTERS]["failed"] >= 2 and top[GUIDE_DESK]["failed"] >= 1

	as_user(w.a.officer)
	scores = run("Inspection Scores", filters={}, ignore_prepared_report=True)["result"]
	assert {r["institution"] for r in scores} == {w.a.institution}
	failed = run("Most Failed Inspection Items", filters={}, ignore_prepared_report=True)["result"]
	assert [r["item"] for r in failed] == [GUIDE_DESK]


def test_the_workspace_opens_for_the_inspector_and_the_institution(w):
	from frappe.desk.desktop import get_desktop_page

	assert frappe.db.exists("Workspace", "督查与表彰")
	for user in (w.inspector, w.a.leader):
		as_user(user)
		page = get_desktop_page(frappe.as_json({"name": "督查与表彰", "title": "督查与表彰", "public": 1}))
		labels = {s["label"] for s in page["shortcuts"]["items"]}
		assert {"专项整治督查", "表扬登记", "员工服务评分卡"} <= labels

"""Rectification ledger (整改台账): workflow and sign-off by role, evidence, PDCA, effect, overdue,
concentrated problems, desk surfaces and isolation."""

from datetime import timedelta

import frappe
import pytest
from factories import as_user, make_complaint, uid
from frappe import _
from frappe.model.workflow import WorkflowPermissionError, WorkflowTransitionError, apply_workflow
from frappe.utils import add_days, getdate, now_datetime, today

from hsq_app.hsq_setup.departments import DepartmentMismatchError
from hsq_app.rectification import tasks as T
from hsq_app.rectification.api import tasks_for
from hsq_app.rectification.clusters import detect_clusters
from hsq_app.rectification.overdue import flag_overdue_tasks
from hsq_app.rectification.report.rectification_ledger import rectification_ledger
from hsq_app.rectification.setup import WORKFLOW, install_defaults

TASK = "HSQ Rectification Task"
NOT_ALLOWED = (WorkflowTransitionError, WorkflowPermissionError, frappe.PermissionError)


def make_task(w, key="a", user="Administrator", **kw):
	"""A task of hospital ``key``'s first department, created by ``user``."""
	h = w[key]
	as_user(user)
	try:
		return _insert_task(h, **kw)
	finally:
		as_user("Administrator")


def _insert_task(h, **kw):
	doc = frappe.get_doc(
		{
			"doctype": TASK,
			"source_type": "Inspection",
			"source_name": "2026年第一季度督查",
			"institution": h.institution,
			"responsible_department": h.dept1,
			"responsible_leader": h.head1,
			"category": "Service Attitude",
			"problem": "门诊护士服务态度差，患者多次反映",
			"root_cause": "服务意识培训不足，高峰时段人手不够",
			"deadline": add_days(today(), 30),
			"measures": [
				{
					"measure": "开展服务礼仪培训",
					"measure_owner": h.handler1,
					"due_date": add_days(today(), 10),
				},
				{"measure": "高峰时段增派护士", "measure_owner": h.head1, "due_date": add_days(today(), 20)},
			],
			**kw,
		}
	).insert()
	return doc.name


def act(user, name, action):
	as_user(user)
	try:
		return apply_workflow(frappe.get_doc(TASK, name), action)
	finally:
		as_user("Administrator")


def attach_evidence(name, user="Administrator", private=1):
	as_user(user)
	try:
		return frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"{uid('evidence-')}.txt",
				"attached_to_doctype": TASK,
				"attached_to_name": name,
				"is_private": private,
				"content": b"training sign-in sheet",
			}
		).insert()
	finally:
		as_user("Administrator")


def finish_measures(name, user="Administrator"):
	as_user(user)
	doc = frappe.get_doc(TASK, name)
	for m in doc.measures:
		m.done = 1
	doc.save()
	as_user("Administrator")


def ready_for_verification(w, name, key="a"):
	"""Start, finish and submit a task as hospital ``key``'s quality officer."""
	act(w[key].officer, name, "Start")
	finish_measures(name, w[key].officer)
	attach_evidence(name, w[key].officer)
	act(w[key].officer, name, "Submit")


def state(name):
	return frappe.db.get_value(TASK, name, ["workflow_state", "pdca_stage"])


@pytest.fixture
def w(shared_world):
	return shared_world


# --------------------------------------------------------------------------------------------------
# defaults
# --------------------------------------------------------------------------------------------------


def test_workflow_rules_and_kanban_installed_idempotently():
	counts = {dt: frappe.db.count(dt) for dt in ("Workflow", "HSQ Accountability Rule", "Kanban Board")}
	install_defaults()
	install_defaults()
	assert counts == {dt: frappe.db.count(dt) for dt in counts}
	wf = frappe.get_doc("Workflow", WORKFLOW)
	assert wf.document_type == TASK and wf.is_active
	assert {t.action for t in wf.transitions} == {"Start", "Submit", "Verify", "Return"}


def test_workflow_sign_off_rules_are_restored_on_migrate():
	wf = frappe.get_doc("Workflow", WORKFLOW)
	for t in wf.transitions:
		if t.action == "Verify":
			t.condition = None
	wf.save()
	install_defaults()
	wf = frappe.get_doc("Workflow", WORKFLOW)
	assert all(t.condition for t in wf.transitions if t.action == "Verify")


# --------------------------------------------------------------------------------------------------
# the workflow, role by role
# --------------------------------------------------------------------------------------------------


def test_institution_task_cycle_with_pdca_and_leader_sign_off(w):
	name = make_task(w, user=w.a.officer)
	doc = frappe.get_doc(TASK, name)
	assert doc.raised_by_institution == 1
	assert (doc.workflow_state, doc.pdca_stage) == ("Open", "Plan")

	act(w.a.officer, name, "Start")
	assert state(name) == ("In Progress", "Do")

	# Submit needs every measure done and a private evidence file
	with pytest.raises(T.MeasuresNotDoneError):
		act(w.a.officer, name, "Submit")
	finish_measures(name, w.a.officer)
	with pytest.raises(T.EvidenceMissingError):
		act(w.a.officer, name, "Submit")
	attach_evidence(name, w.a.officer, private=0)  # a public file is not evidence
	with pytest.raises(T.EvidenceMissingError):
		act(w.a.officer, name, "Submit")
	attach_evidence(name, w.a.officer)
	act(w.a.officer, name, "Submit")
	doc = frappe.get_doc(TASK, name)
	assert (doc.workflow_state, doc.pdca_stage) == ("Pending Verification", "Check")
	assert doc.submitted_by == w.a.officer and doc.evidence_count == 1

	# the institution raised it: its leader verifies, nobody else
	for user in (w.inspector, w.a.officer, w.a.head1, w.bureau_admin, w.b.leader):
		with pytest.raises(NOT_ALLOWED):
			act(user, name, "Verify")
	act(w.a.leader, name, "Verify")
	doc = frappe.get_doc(TASK, name)
	assert (doc.workflow_state, doc.pdca_stage) == ("Closed", "Act")
	assert doc.verified_by == w.a.leader and doc.verified_at
	assert doc.measures[0].done_at


def test_bureau_task_only_the_inspector_verifies(w):
	name = make_task(w, user=w.inspector)
	assert frappe.db.get_value(TASK, name, "raised_by_institution") == 0
	ready_for_verification(w, name)
	for user in (w.a.leader, w.a.officer, w.a.head1, w.a.admin, w.bureau_admin, w.b.leader):
		with pytest.raises(NOT_ALLOWED):
			act(user, name, "Verify")
		with pytest.raises(NOT_ALLOWED):
			act(user, name, "Return")
	act(w.inspector, name, "Verify")
	doc = frappe.get_doc(TASK, name)
	assert doc.workflow_state == "Closed" and doc.verified_by == w.inspector


def test_who_may_start_and_submit(w):
	name = make_task(w, user=w.inspector)
	# a department head only for their own department; handlers and other hospitals not at all
	for user in (w.a.head2, w.a.handler1, w.a.admin, w.inspector, w.b.officer, w.b.leader):
		with pytest.raises(NOT_ALLOWED):
			act(user, name, "Start")
	act(w.a.head1, name, "Start")
	assert state(name)[0] == "In Progress"
	other = make_task(w, user=w.inspector)
	act(w.a.leader, other, "Start")
	assert state(other)[0] == "In Progress"


def test_a_department_head_works_their_departments_tasks_when_the_record_names_nobody(w):
	"""Who heads a department means the same as for complaints (role + active staff post), so a
	head works their department's task even when HSQ Department names no head."""
	frappe.db.set_value("HSQ Department", w.a.dept1, "department_head", None)
	name = make_task(w, user=w.inspector, responsible_leader=w.a.leader)
	with pytest.raises(NOT_ALLOWED):
		act(w.a.head2, name, "Start")  # a head of another department
	act(w.a.head1, name, "Start")
	assert state(name)[0] == "In Progress"


def test_start_needs_a_plan(w):
	name = make_task(w, user=w.a.officer, root_cause="", measures=[])
	with pytest.raises(T.RectificationError):
		act(w.a.officer, name, "Start")
	assert state(name)[0] == "Open"


def test_inspector_never_does_the_institutions_work(w):
	name = make_task(w, user=w.inspector)
	as_user(w.inspector)
	doc = frappe.get_doc(TASK, name)
	doc.measures[0].done = 1
	with pytest.raises(frappe.PermissionError):
		doc.save()


def test_return_needs_a_reason_and_goes_back_to_do(w):
	name = make_task(w, user=w.inspector)
	ready_for_verification(w, name)
	with pytest.raises(T.ReturnReasonMissingError):
		act(w.inspector, name, "Return")
	# the inspector records the reason (and nothing else) then returns the task
	as_user(w.inspector)
	doc = frappe.get_doc(TASK, name)
	doc.problem = "督查员改写问题"
	with pytest.raises(T.RectificationError):
		doc.save()
	doc.reload()
	doc.return_reason = "培训签到表缺少本人签名"
	doc.save()
	act(w.inspector, name, "Return")
	assert state(name) == ("In Progress", "Do")
	assert frappe.db.exists(
		"Comment", {"reference_doctype": TASK, "reference_name": name, "content": ("like", "%签名%")}
	)
	assert frappe.db.exists("Notification Log", {"document_name": name, "for_user": w.a.head1})
	# resubmitting clears the reason for the next round
	act(w.a.officer, name, "Submit")
	assert frappe.db.get_value(TASK, name, "return_reason") is None


def test_awaiting_verification_freezes_the_work(w):
	name = make_task(w, user=w.inspector)
	ready_for_verification(w, name)
	as_user(w.a.officer)
	doc = frappe.get_doc(TASK, name)
	doc.measures[0].measure = "改写措施"
	with pytest.raises(T.RectificationError):
		doc.save()


def test_responsible_leader_and_submitter_cannot_verify(w):
	name = make_task(w, user=w.a.officer, responsible_leader=w.a.leader)
	ready_for_verification(w, name)
	with pytest.raises(T.VerifierError):
		act(w.a.leader, name, "Verify")

	other = make_task(w, user=w.a.officer)
	act(w.a.leader, other, "Start")
	finish_measures(other, w.a.leader)
	attach_evidence(other, w.a.leader)
	act(w.a.leader, other, "Submit")
	with pytest.raises(T.VerifierError):
		act(w.a.leader, other, "Verify")


def test_closed_task_is_read_only_and_never_deleted(w):
	name = make_task(w, user=w.inspector)
	ready_for_verification(w, name)
	act(w.inspector, name, "Verify")
	for user in (w.a.officer, "Administrator"):
		as_user(user)
		doc = frappe.get_doc(TASK, name)
		doc.effect_evaluation = "补记"
		with pytest.raises(T.ClosedTaskError):
			doc.save()
	as_user("Administrator")
	with pytest.raises(T.ClosedTaskError):
		frappe.set_value(TASK, name, "pdca_stage", "Plan")  # the kanban's door
	with pytest.raises(T.ClosedTaskError):
		attach_evidence(name)
	evidence = frappe.get_all("File", filters={"attached_to_name": name}, pluck="name")
	with pytest.raises(T.ClosedTaskError):
		frappe.delete_doc("File", evidence[0])
	with pytest.raises(T.RectificationError, match="never deleted"):
		frappe.delete_doc(TASK, name)


def test_pdca_stage_is_editable_while_open(w):
	name = make_task(w, user=w.a.officer)
	act(w.a.officer, name, "Start")
	as_user(w.a.officer)
	doc = frappe.get_doc(TASK, name)
	doc.pdca_stage = "Check"
	doc.save()
	assert state(name) == ("In Progress", "Check")


def test_department_roles_edit_only_their_own_tasks(w):
	name = make_task(w, user=w.a.officer)
	as_user(w.a.handler1)  # owns a measure, same department: may tick it
	doc = frappe.get_doc(TASK, name)
	doc.measures[0].done = 1
	doc.save()
	as_user(w.a.handler2)
	doc = frappe.get_doc(TASK, name)
	doc.root_cause = "别的科室改"
	with pytest.raises(frappe.PermissionError):
		doc.save()


def test_raised_by_institution_is_set_by_who_raises_it(w):
	name = make_task(w, user=w.a.officer, raised_by_institution=0)
	assert frappe.db.get_value(TASK, name, "raised_by_institution") == 1
	as_user(w.bureau_admin)
	doc = frappe.get_doc(TASK, name)
	doc.raised_by_institution = 0
	with pytest.raises(T.RectificationError):
		doc.save()


def test_task_must_stay_within_its_institution(w):
	with pytest.raises(DepartmentMismatchError, match="belongs to"):
		make_task(w, responsible_department=w.b.dept1)
	with pytest.raises(frappe.ValidationError, match="must be an active staff member of"):
		make_task(w, responsible_leader=w.b.head1)
	with pytest.raises(frappe.PermissionError):
		make_task(w, key="b", user=w.a.officer)


# --------------------------------------------------------------------------------------------------
# sources, linked both ways
# --------------------------------------------------------------------------------------------------


def test_task_from_a_complaint_is_linked_both_ways(w):
	complaint = make_complaint(w.a.institution, department=w.a.dept2, category="Waiting Time").name
	name = make_task(
		w,
		user=w.a.officer,
		source_type="Complaint",
		source_name=complaint,
		responsible_department=None,
		category=None,
		responsible_leader=w.a.head2,
	)
	doc = frappe.get_doc(TASK, name)
	assert (doc.responsible_department, doc.category) == (w.a.dept2, "Waiting Time")
	assert [r.complaint for r in doc.complaints] == [complaint]
	as_user(w.a.officer)
	assert [t["name"] for t in tasks_for("Complaint", complaint)] == [name]
	as_user(w.b.officer)
	with pytest.raises(frappe.PermissionError):
		tasks_for("Complaint", complaint)


def test_source_complaint_must_exist_in_the_institution(w):
	other = make_complaint(w.b.institution, department=w.b.dept1).name
	with pytest.raises(frappe.ValidationError):
		make_task(w, source_type="Complaint", source_name=other)
	with pytest.raises(frappe.ValidationError):
		make_task(w, source_type="Complaint", source_name="TS-0000-none")


# --------------------------------------------------------------------------------------------------
# effect evaluation
# --------------------------------------------------------------------------------------------------


def test_closing_records_the_effect_before_and_after(w):
	start = now_datetime()
	for days in (3, 10, 25):
		make_complaint(w.a.institution, department=w.a.dept1, received_at=start - timedelta(days=days))
	make_complaint(w.a.institution, department=w.a.dept1, received_at=start - timedelta(days=40))  # too early
	make_complaint(w.a.institution, department=w.a.dept2, received_at=start - timedelta(days=5))  # elsewhere
	make_complaint(w.a.institution, department=w.a.dept1, received_at=start + timedelta(days=5))
	name = make_task(w, user=w.inspector, evaluation_days=30)
	ready_for_verification(w, name)
	frappe.flags.hsq_now = start + timedelta(days=20)
	act(w.inspector, name, "Verify")
	doc = frappe.get_doc(TASK, name)
	assert (doc.complaints_before, doc.complaints_after) == (3, 1)
	assert doc.effect_result == "Improved"
	assert doc.effect_summary
	assert doc.is_overdue == 0


def test_effect_is_insufficient_when_closed_within_a_week(w):
	name = make_task(w, user=w.inspector)
	ready_for_verification(w, name)
	act(w.inspector, name, "Verify")
	assert frappe.db.get_value(TASK, name, "effect_result") == "Insufficient Data"


# --------------------------------------------------------------------------------------------------
# overdue
# --------------------------------------------------------------------------------------------------


def notifications(name, user):
	return frappe.db.count("Notification Log", {"document_name": name, "for_user": user})


def test_overdue_job_flags_and_notifies_once_a_day(w):
	late = make_task(w, user=w.a.officer, deadline=add_days(today(), 2))
	on_time = make_task(w, user=w.a.officer, deadline=add_days(today(), 10))
	done = make_task(w, user=w.inspector, deadline=add_days(today(), 2))
	ready_for_verification(w, done)
	act(w.inspector, done, "Verify")
	day = getdate(add_days(today(), 3))

	assert flag_overdue_tasks(day) == {"notified": 1}
	assert frappe.db.get_value(TASK, late, "is_overdue") == 1
	assert frappe.db.get_value(TASK, on_time, "is_overdue") == 0
	assert frappe.db.get_value(TASK, done, "is_overdue") == 0
	assert notifications(late, w.a.head1) == 1
	flag_overdue_tasks(day)
	assert notifications(late, w.a.head1) == 1  # once a day
	flag_overdue_tasks(add_days(day, 1))
	assert notifications(late, w.a.head1) == 2
	assert notifications(done, w.a.head1) == 1  # only the "verified" notice


def test_moving_the_deadline_clears_the_flag(w):
	name = make_task(w, user=w.a.officer, deadline=add_days(today(), 1))
	flag_overdue_tasks(add_days(today(), 2))
	assert frappe.db.get_value(TASK, name, "is_overdue") == 1
	as_user(w.a.officer)
	doc = frappe.get_doc(TASK, name)
	doc.deadline = add_days(today(), 20)
	doc.save()
	assert frappe.db.get_value(TASK, name, "is_overdue") == 0


# --------------------------------------------------------------------------------------------------
# concentrated problems
# --------------------------------------------------------------------------------------------------


def complaints_in(w, key, dept, n, category="Service Attitude", start=None, spacing=5):
	start = start or now_datetime()
	return [
		make_complaint(
			w[key].institution,
			department=w[key][dept],
			category=category,
			received_at=start - timedelta(days=1 + i * spacing),
		).name
		for i in range(n)
	]


def cluster_tasks(dept):
	return frappe.get_all(
		TASK, filters={"source_type": "Concentrated Problem", "responsible_department": dept}, pluck="name"
	)


def test_done_when_three_service_attitude_complaints_make_one_task_only_the_inspector_closes(w):
	cluster = complaints_in(w, "a", "dept1", 3)
	created = detect_clusters()
	assert created == cluster_tasks(w.a.dept1) and len(created) == 1
	assert detect_clusters() == []
	assert cluster_tasks(w.a.dept1) == created
	doc = frappe.get_doc(TASK, created[0])
	assert sorted(r.complaint for r in doc.complaints) == sorted(cluster)
	assert (doc.raised_by_institution, doc.responsible_leader, doc.category) == (
		0,
		w.a.head1,
		"Service Attitude",
	)
	assert frappe.db.exists("Notification Log", {"document_name": doc.name, "for_user": w.a.head1})

	# the department plans and works on it; only a bureau inspector closes it, only with evidence
	as_user(w.a.head1)
	doc = frappe.get_doc(TASK, created[0])
	doc.root_cause = "高峰时段人手不足"
	doc.append("measures", {"measure": "增派导医", "measure_owner": w.a.head1, "done": 0})
	doc.save()
	act(w.a.head1, doc.name, "Start")
	finish_measures(doc.name, w.a.head1)
	with pytest.raises(T.EvidenceMissingError):
		act(w.a.head1, doc.name, "Submit")
	attach_evidence(doc.name, w.a.head1)
	act(w.a.head1, doc.name, "Submit")
	for user in (w.a.leader, w.a.officer, w.a.head1, w.bureau_admin):
		with pytest.raises(NOT_ALLOWED):
			act(user, doc.name, "Verify")
	act(w.inspector, doc.name, "Verify")
	assert state(doc.name)[0] == "Closed"


def test_clusters_need_the_threshold_within_the_window(w):
	complaints_in(w, "a", "dept2", 2)  # too few
	complaints_in(w, "b", "dept1", 3, spacing=20)  # spread over 41 days
	complaints_in(w, "b", "dept2", 3, category="Fees")
	detect_clusters()
	assert cluster_tasks(w.a.dept2) == [] and cluster_tasks(w.b.dept1) == []
	assert len(cluster_tasks(w.b.dept2)) == 1

	frappe.db.set_single_value("HSQ Settings", {"cluster_min_complaints": 2, "cluster_window_days": 60})
	detect_clusters()
	assert len(cluster_tasks(w.a.dept2)) == 1 and len(cluster_tasks(w.b.dept1)) == 1


def test_no_duplicate_while_open_and_closed_complaints_do_not_count_again(w):
	complaints_in(w, "a", "dept1", 3)
	detect_clusters()
	[first] = cluster_tasks(w.a.dept1)
	complaints_in(w, "a", "dept1", 3, start=now_datetime() - timedelta(hours=1))
	detect_clusters()
	assert cluster_tasks(w.a.dept1) == [first]  # covered by the open task

	as_user("Administrator")
	doc = frappe.get_doc(TASK, first)
	doc.root_cause = "原因"
	doc.append("measures", {"measure": "措施", "done": 0})
	doc.save()
	act(w.a.officer, first, "Start")
	finish_measures(first)
	attach_evidence(first)
	act(w.a.officer, first, "Submit")
	act(w.inspector, first, "Verify")
	detect_clusters()
	# the three that arrived while the first task was open now form a new cluster, the first three not
	tasks = cluster_tasks(w.a.dept1)
	assert len(tasks) == 2
	second = frappe.get_doc(TASK, next(t for t in tasks if t != first))
	assert not {r.complaint for r in second.complaints} & {
		r.complaint for r in frappe.get_doc(TASK, first).complaints
	}
	detect_clusters()
	assert len(cluster_tasks(w.a.dept1)) == 2


def test_not_accepted_complaints_do_not_make_a_cluster(w):
	names = complaints_in(w, "a", "dept2", 3, category="Fees")
	frappe.db.set_value("HSQ Complaint", names[0], "workflow_state", "Not Accepted")
	detect_clusters()
	assert cluster_tasks(w.a.dept2) == []


# --------------------------------------------------------------------------------------------------
# isolation and desk surfaces
# --------------------------------------------------------------------------------------------------


def test_hospitals_do_not_see_each_others_tasks(w):
	ta, tb = make_task(w, "a", w.a.officer), make_task(w, "b", w.b.officer)
	for user in (w.a.officer, w.a.leader, w.a.head1, w.a.handler1):
		as_user(user)
		names = set(frappe.get_list(TASK, pluck="name"))
		assert ta in names and tb not in names
		assert not frappe.has_permission(TASK, "read", tb)
		rows = rectification_ledger.execute({})[1]
		assert ta in {r.name for r in rows} and tb not in {r.name for r in rows}
	for user in (w.inspector, w.bureau_admin):
		as_user(user)
		assert {ta, tb} <= set(frappe.get_list(TASK, pluck="name"))
		assert {ta, tb} <= {r.name for r in rectification_ledger.execute({})[1]}


def test_ledger_shows_source_owner_deadline_stage_state_and_overdue(w):
	name = make_task(w, user=w.a.officer, deadline=add_days(today(), 1))
	act(w.a.officer, name, "Start")
	finish_measures(name)
	flag_overdue_tasks(add_days(today(), 5))
	as_user(w.a.leader)
	columns, rows, _message, chart, summary = rectification_ledger.execute({"is_overdue": 1})
	assert {
		"source_type",
		"responsible_leader",
		"deadline",
		"pdca_stage",
		"workflow_state",
		"is_overdue",
	} <= {c["fieldname"] for c in columns}
	row = next(r for r in rows if r.name == name)
	assert (row.responsible_leader, row.is_overdue, row.measures_done) == (w.a.head1, 1, "2/2")
	assert getdate(row.deadline) == getdate(add_days(today(), 1))
	# the chart and the summary count the same rows: all overdue here
	assert sum(chart["data"]["datasets"][1]["values"]) == len(rows)
	assert {s["label"]: s["value"] for s in summary}[_("Overdue")] == sum(
		1 for r in rows if r.workflow_state != _("Closed")
	)


def test_scoped_user_without_a_post_sees_no_ledger(w):
	from factories import make_user

	from hsq_app import roles as R

	make_task(w, user=w.a.officer)
	as_user(make_user(R.INSTITUTION_LEADER))
	assert rectification_ledger.execute({})[1] == []


def test_desk_surfaces_exist(w):
	from hsq_app.rectification.setup import KANBAN

	board = frappe.get_doc("Kanban Board", KANBAN)
	assert (board.reference_doctype, board.field_name) == (TASK, "pdca_stage")
	assert [c.column_name for c in board.columns] == ["Plan", "Do", "Check", "Act"]
	assert frappe.db.exists("Workspace", "整改与问责")
	for report in ("Rectification Ledger", "Accountability Ledger"):
		assert frappe.db.get_value("Report", report, "report_type") == "Script Report"
	# the ledger through the desk's door, as an inspector
	from frappe.desk.query_report import run

	make_task(w, user=w.a.officer)
	as_user(w.inspector)
	result = run("Rectification Ledger", filters={})
	assert result["result"] and any(c["fieldname"] == "pdca_stage" for c in result["columns"])
	# the workspace renders for an inspector, its shortcuts and cards included
	from frappe.desk.desktop import get_desktop_page

	page = get_desktop_page(frappe.as_json({"name": "整改与问责", "title": "整改与问责", "public": 1}))
	assert {s["label"] for s in page["shortcuts"]["items"]} >= {"整改台账", "问责台账", "PDCA看板"}
	assert page["cards"]["items"]

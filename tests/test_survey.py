"""Patients' own voice: survey codes, the guest door's rules, the closed loop, SMS links that
complete follow-ups, anonymous staff answers, indicators, themes (issue 15)."""

from __future__ import annotations

import frappe
import pytest
from factories import (
	as_user,
	discharge_by_mrn,
	discharge_row,
	follow_ups_of,
	make_department,
	set_settings,
	uid,
)
from frappe.utils import add_days, get_first_day, getdate, now_datetime, today

from hsq_app.api.follow_up import import_discharges
from hsq_app.messaging.gateway import FakeGateway
from hsq_app.survey import answer, codes, guard, indicators, invitations, loop, stats, themes
from hsq_app.survey import settings as survey_settings
from hsq_app.survey.answer import InvalidSurveyInput
from hsq_app.utils.work_calendar import add_working_hours


@pytest.fixture(autouse=True)
def clean_marks():
	"""Rate counters and device marks live in Redis (not rolled back): each test starts afresh."""
	frappe.cache.delete_keys("hsq:survey:")
	survey_settings.reset()
	frappe.flags.hsq_fake_sms = True
	FakeGateway.reset()
	yield
	frappe.cache.delete_keys("hsq:survey:")
	frappe.flags.hsq_fake_sms = False
	survey_settings.reset()
	frappe.set_user("Administrator")


@pytest.fixture
def world(shared_world):
	w = shared_world
	w.code1 = frappe.db.get_value("HSQ Department", w.a.dept1, "survey_code")
	w.staff_code = frappe.db.get_value("HSQ Institution", w.a.institution, "staff_survey_code")
	return w


def submit(code, score, **kw):
	kw.setdefault("device", uid("dev"))
	return answer.submit({"code": code, "overall_score": score, **kw})


def cell(day, kind, institution, department):
	return frappe.db.get_value(
		"HSQ Survey Day Stat",
		{"day": day, "kind": kind, "institution": institution, "department": department},
		["responses", "score_sum", "satisfied", "low"],
		as_dict=True,
	)


# -- codes ------------------------------------------------------------------------------------------


def test_every_department_has_a_code_from_creation_and_regenerating_retires_it(world):
	dept = make_department(world.a.institution, uid("新科室"))
	code = frappe.db.get_value("HSQ Department", dept, "survey_code")
	assert code and len(code) == codes.CODE_LENGTH
	assert codes.resolve(code).department == dept
	as_user(world.a.admin)
	new = codes.regenerate("HSQ Department", dept)
	assert new != code
	assert codes.resolve(code) is None
	assert codes.resolve(new).department == dept


def test_only_admins_regenerate_codes_and_only_their_own(world):
	as_user(world.a.officer)
	with pytest.raises(frappe.PermissionError):
		codes.regenerate("HSQ Department", world.a.dept1)
	as_user(world.b.admin)
	with pytest.raises(frappe.PermissionError):
		codes.regenerate("HSQ Department", world.a.dept1)


# -- a patient scans a department's code and answers ----------------------------------------------------


def test_patient_scans_a_department_code_and_the_answer_counts_in_its_indicator(world):
	before = indicators.indicators_for(today(), today(), [world.a.institution], world.a.dept1)
	items = {"Outpatient": 0}
	as_user("Guest")
	name = submit(
		world.code1,
		5,
		answers=[
			{"item": "A1", "score": 4},
			{"item": "A9", "value": "没有"},
			{"item": "A10", "value": ["候诊时间", "收费"]},
		],
		comment="医生很耐心",
	)
	as_user("Administrator")
	doc = frappe.get_doc("HSQ Survey Response", name)
	assert (doc.kind, doc.source, doc.institution, doc.department) == (
		"Outpatient",
		"QR",
		world.a.institution,
		world.a.dept1,
	)
	assert doc.owner == "Guest"
	assert [(a.item, a.score, a.value) for a in doc.answers] == [
		("A1", 4, None),
		("A9", 0, "没有"),
		("A10", 0, "候诊时间\n收费"),
	]
	assert not doc.needs_attention and not doc.callback_task
	after = indicators.indicators_for(today(), today(), [world.a.institution], world.a.dept1)
	out_before = before["indicators"][0]["responses"]
	assert after["indicators"][0]["kind"] == "Outpatient"
	assert after["indicators"][0]["responses"] == out_before + 1
	assert items  # the department's cell holds it
	c = cell(getdate(today()), "Outpatient", world.a.institution, world.a.dept1)
	assert c.responses >= 1 and c.satisfied >= 1
	# the cells equal a rebuild from the answers themselves
	kept = c.responses, c.score_sum, c.satisfied, c.low
	stats.rebuild(today(), today())
	c = cell(getdate(today()), "Outpatient", world.a.institution, world.a.dept1)
	assert (c.responses, c.score_sum, c.satisfied, c.low) == kept


def test_a_department_code_takes_inpatients_too_and_nothing_else(world):
	name = submit(world.code1, 4, kind="Inpatient", answers=[{"item": "B3", "score": 5}])
	assert frappe.db.get_value("HSQ Survey Response", name, "kind") == "Inpatient"
	with pytest.raises(InvalidSurveyInput):
		submit(world.code1, 4, kind="Staff")


@pytest.mark.parametrize(
	"kw",
	[
		{"code": "NOPE1234", "overall_score": 5},
		{"overall_score": 0},
		{"overall_score": 6},
		{"overall_score": "5; DROP"},
		{"overall_score": 4, "answers": [{"item": "ZZ", "score": 3}]},
		{"overall_score": 4, "answers": [{"item": "A1", "score": 9}]},
		{"overall_score": 4, "answers": [{"item": "A9", "value": "也许"}]},
		{"overall_score": 4, "answers": "not json"},
		{"overall_score": 2, "wants_callback": 1, "phone": "abc"},
	],
)
def test_bad_input_is_refused_and_nothing_is_stored(world, kw):
	kw.setdefault("code", world.code1)
	count = frappe.db.count("HSQ Survey Response")
	with pytest.raises(InvalidSurveyInput):
		answer.submit({"device": uid("dev"), **kw})
	assert frappe.db.count("HSQ Survey Response") == count


def test_only_code_and_overall_score_are_required_and_html_is_stripped(world):
	name = submit(world.code1, 3, comment="<script>alert(1)</script><b>候诊</b>太久" + "长" * 3000)
	doc = frappe.get_doc("HSQ Survey Response", name)
	assert "<" not in doc.comment and "alert" not in doc.comment and doc.comment.startswith("候诊太久")
	assert len(doc.comment) == answer.MAX_COMMENT
	assert doc.answers == []


def test_one_answer_per_device_department_and_day(world):
	submit(world.code1, 5, device="phone-1")
	with pytest.raises(guard.AlreadyAnswered):
		submit(world.code1, 4, device="phone-1")
	code2 = frappe.db.get_value("HSQ Department", world.a.dept2, "survey_code")
	submit(code2, 4, device="phone-1")  # another department
	with pytest.raises(guard.AlreadyAnswered):  # the same department's other questionnaire
		submit(world.code1, 4, device="phone-1", kind="Inpatient")


def test_rate_limit_counts_the_real_client_address():
	guard.check_rate("10.0.0.9", limit=2)
	guard.check_rate("10.0.0.9", limit=2)
	with pytest.raises(guard.TooManyAnswers):
		guard.check_rate("10.0.0.9", limit=2)
	guard.check_rate("10.0.0.10", limit=2)


def test_the_door_counts_the_address_hsq_settings_trusts(monkeypatch):
	"""One owner for the client address: the survey door asks hsq_app.utils.client."""
	from hsq_app.utils import client

	monkeypatch.setattr(client, "client_ip", lambda: "203.0.113.77")
	assert guard.client_ip() == "203.0.113.77"


# -- the closed loop ------------------------------------------------------------------------------------


def test_a_score_of_1_opens_a_call_back_task_with_its_clock(world):
	as_user("Guest")
	name = submit(world.code1, 1, comment="候诊两个小时没人管")
	as_user("Administrator")
	response = frappe.get_doc("HSQ Survey Response", name)
	assert response.needs_attention and response.attention_reason == "Low Score"
	assert response.outcome == "Call Back Open" and response.callback_task
	task = frappe.get_doc("HSQ Survey Callback", response.callback_task)
	assert (task.institution, task.department, task.status, task.sla_status) == (
		world.a.institution,
		world.a.dept1,
		"Open",
		"On Track",
	)
	assert task.assigned_to == world.a.officer
	expected = add_working_hours(response.submitted_at, loop.callback_hours())
	assert abs((task.due_by - expected).total_seconds()) < 120
	assert frappe.db.exists(
		"ToDo",
		{
			"reference_type": "HSQ Survey Callback",
			"reference_name": task.name,
			"allocated_to": world.a.officer,
			"status": "Open",
		},
	)
	# once only, even if the sweep runs
	loop.sweep()
	assert frappe.db.count("HSQ Survey Callback", {"response": name}) == 1
	# the clock runs out
	loop.sweep(add_days(task.due_by, 1))
	assert frappe.db.get_value("HSQ Survey Callback", task.name, "sla_status") == "Breached"


def test_the_call_back_ends_with_a_result_or_a_complaint_in_one_step(world):
	low = submit(world.code1, 2, comment="收费不清楚", wants_callback=1, phone="13812345678")
	task = frappe.db.get_value("HSQ Survey Response", low, "callback_task")
	assert frappe.db.get_value("HSQ Survey Response", low, "attention_reason") == "Call Back Requested"
	as_user(world.b.officer)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("HSQ Survey Callback", task).raise_complaint()
	as_user(world.a.officer)
	doc = frappe.get_doc("HSQ Survey Callback", task)
	complaint = doc.raise_complaint()
	assert doc.raise_complaint() == complaint  # twice: still one complaint
	c = frappe.db.get_value(
		"HSQ Complaint",
		complaint,
		["channel", "department", "description", "complainant_phone"],
		as_dict=True,
	)
	assert (c.channel, c.department, c.description, c.complainant_phone) == (
		"Satisfaction Survey",
		world.a.dept1,
		"收费不清楚",
		"13812345678",
	)
	as_user("Administrator")
	assert frappe.db.get_value("HSQ Survey Response", low, ["outcome", "complaint"]) == (
		"Complaint Raised",
		complaint,
	)

	other = frappe.db.get_value("HSQ Survey Response", submit(world.code1, 1), "callback_task")
	as_user(world.a.officer)
	result = frappe.get_doc("HSQ Survey Callback", other).complete("已致电患者，解释并致歉")
	assert result == {"status": "Done", "sla_status": "Met"}


def test_a_complaint_word_in_a_good_score_opens_a_task_too(world):
	name = submit(world.code1, 4, comment="总体还行，但护士态度差")
	assert frappe.db.get_value("HSQ Survey Response", name, "attention_reason") == "Complaint in Comment"


def test_nothing_personal_is_kept_unless_the_patient_asks_for_a_call_back(world):
	name = submit(world.code1, 5, phone="13812345678")
	assert frappe.db.get_value("HSQ Survey Response", name, ["wants_callback", "contact_phone"]) == (0, None)


# -- SMS links -------------------------------------------------------------------------------------------


@pytest.fixture
def discharged(world):
	set_settings(follow_up_offsets="0,7,30")
	row = discharge_row(world.a.institution, world.a.dept1, today(), patient_phone="13911112222")
	import_discharges([row])
	record = discharge_by_mrn(world.a.institution, row["medical_record_no"])
	world.follow_ups = [f.name for f in follow_ups_of(record)]
	return world


def test_an_sms_link_completes_the_follow_up_and_cannot_be_used_twice(discharged):
	w = discharged
	sent = invitations.invite_discharged()
	assert sent >= 1
	inv = frappe.get_doc("HSQ Survey Invitation", {"follow_up": w.follow_ups[0]})
	assert invitations.invite_discharged() == 0  # one link per discharge
	assert frappe.db.get_value("HSQ SMS Log", inv.sms_log, "status") == "Sent"
	receiver, message = FakeGateway.outbox[-1]
	assert receiver == "13911112222" and "/survey/" in message
	token = message.split("/survey/")[1].split()[0]
	assert inv.token_hash == codes.token_hash(token) and token not in frappe.as_json(inv.as_dict())

	as_user("Guest")
	name = submit(token, 4, answers=[{"item": "B2", "score": 5}], comment="出院指导很清楚")
	as_user("Administrator")
	fu = frappe.get_doc("HSQ Follow Up", w.follow_ups[0])
	assert (fu.status, fu.channel, fu.overall_satisfaction) == ("Completed", "SMS", 4)
	assert fu.completed_at
	response = frappe.get_doc("HSQ Survey Response", name)
	assert (response.kind, response.source, response.follow_up) == ("Inpatient", "SMS", fu.name)
	assert frappe.db.get_value("HSQ Survey Invitation", inv.name, "status") == "Answered"
	# the follow-up's per-day figures count it
	assert (
		frappe.db.get_value(
			"HSQ Follow Up Day Stat",
			{"institution": w.a.institution, "department": w.a.dept1, "due_date": fu.due_date},
			"completed",
		)
		>= 1
	)

	with pytest.raises(invitations.LinkUsed):
		submit(token, 5)
	assert frappe.db.count("HSQ Survey Response", {"follow_up": fu.name}) == 1
	assert answer.page_context(token).used


def test_an_expired_link_is_refused(discharged):
	_inv, token = invitations.invite(discharged.follow_ups[0], now=add_days(now_datetime(), -30))
	with pytest.raises(invitations.LinkExpired):
		submit(token, 5)
	assert frappe.db.get_value("HSQ Follow Up", discharged.follow_ups[0], "status") in ("Pending", "Overdue")


# -- staff ------------------------------------------------------------------------------------------------


def test_staff_answers_stay_anonymous(world):
	as_user("Guest")
	name = submit(
		world.staff_code,
		1,
		device="staff-phone-42",
		comment="加班太多",
		wants_callback=1,
		phone="13800000000",
		answers=[{"item": "C1", "score": 2}],
	)
	as_user("Administrator")
	doc = frappe.get_doc("HSQ Survey Response", name)
	assert (doc.kind, doc.source, doc.institution) == ("Staff", "Staff Link", world.a.institution)
	assert not doc.department and not doc.contact_phone and not doc.wants_callback and doc.owner == "Guest"
	assert not doc.needs_attention and not doc.callback_task  # no call back: nobody to call
	stored = frappe.as_json(doc.as_dict())
	for trace in ("staff-phone-42", "127.0.0.1", "13800000000"):
		assert trace not in stored
	with pytest.raises(InvalidSurveyInput):
		submit(world.staff_code, 4, kind="Outpatient")


# -- who sees what ----------------------------------------------------------------------------------------


def test_answers_are_isolated_by_institution_and_department(world):
	name = submit(world.code1, 1)
	for user, visible in (
		(world.a.officer, True),
		(world.a.leader, True),
		(world.a.head1, True),
		(world.a.head2, False),
		(world.b.officer, False),
		(world.b.leader, False),
		(world.inspector, True),
	):
		as_user(user)
		assert bool(frappe.get_list("HSQ Survey Response", filters={"name": name})) is visible, user
		assert frappe.has_permission("HSQ Survey Response", "read", name) is visible, user
	as_user(world.a.officer)
	assert frappe.has_permission("HSQ Survey Response", "write", name) is False


def test_the_three_indicators_in_each_roles_workspace(world):
	from hsq_app.install.desk import ROLE_WORKSPACES
	from hsq_app.survey.workspace import BLOCK, ensure_indicator_block

	# as a migrate leaves them: workspace files synced, then after_migrate adds the block (another
	# test re-syncs the files on their own, which drops it until the next after_migrate)
	ensure_indicator_block()
	for _role, ws in ROLE_WORKSPACES:
		content = frappe.parse_json(frappe.db.get_value("Workspace", ws, "content"))
		assert any(b.get("data", {}).get("custom_block_name") == BLOCK for b in content), ws
	submit(world.code1, 5)
	submit(world.code1, 4, kind="Inpatient")
	submit(world.staff_code, 3)
	frappe.db.set_single_value("HSQ Survey Settings", "outpatient_quota_per_working_day", 1)
	as_user(world.a.leader)
	data = indicators.workspace_indicators()
	kinds = {i["kind"]: i for i in data["indicators"]}
	assert set(kinds) == {"Outpatient", "Inpatient", "Staff"}
	for i in kinds.values():
		assert i["responses"] >= 1 and "quota" in i and "quota_met" in i
	as_user(world.b.leader)
	theirs = {i["kind"]: i["responses"] for i in indicators.workspace_indicators()["indicators"]}
	as_user(world.a.head2)
	dept2 = indicators.workspace_indicators()["indicators"]
	assert [i["kind"] for i in dept2] == ["Outpatient", "Inpatient"]  # a department sees no staff figure
	# hospital b's leader: none of a's answers
	for kind in ("Outpatient", "Inpatient", "Staff"):
		assert theirs[kind] <= kinds[kind]["responses"] - 1


# -- themes -----------------------------------------------------------------------------------------------


def test_segmentation_keeps_the_admins_terms_whole():
	frappe.get_doc({"doctype": "HSQ Theme Word", "word": "核酸窗口", "word_type": "Term"}).insert()
	found = themes.themes_of("医院的核酸窗口排队时间长，停车难")
	assert {"核酸窗口", "排队时间长", "停车难"} <= found
	assert "医院" not in found


def test_a_rising_theme_proposes_exactly_one_task(world):
	month = getdate(get_first_day(today()))
	code2 = frappe.db.get_value("HSQ Department", world.a.dept2, "survey_code")
	for i in range(6):
		submit(code2, 3, comment=f"停车难，绕了{i + 1}圈")
	submit(world.code1, 3, comment="停车难")  # another department: one mention, not rising
	themes.refresh_month(month)
	rising = [(r.department, r.theme) for r in themes.rising(month)]
	assert (world.a.dept2, "停车难") in rising
	assert (world.a.dept1, "停车难") not in rising
	first = themes.propose_tasks(month)
	mine = [
		t
		for t in first
		if frappe.db.get_value("HSQ Rectification Task", t, "responsible_department") == world.a.dept2
	]
	tasks = frappe.get_all(
		"HSQ Rectification Task",
		filters={
			"source_type": "Concentrated Problem",
			"responsible_department": world.a.dept2,
			"source_name": ("like", "%停车难%"),
		},
		fields=["name", "institution", "problem"],
	)
	assert len(tasks) == 1 and tasks[0].name in mine
	assert "停车难" in tasks[0].problem
	# the next day's run proposes nothing more while the task is open
	themes.refresh_month(month)
	themes.propose_tasks(month)
	assert (
		frappe.db.count(
			"HSQ Rectification Task",
			{
				"source_type": "Concentrated Problem",
				"responsible_department": world.a.dept2,
				"source_name": ("like", "%停车难%"),
			},
		)
		== 1
	)


def test_a_theme_at_its_usual_level_proposes_nothing(world):
	month = getdate(get_first_day(today()))
	code2 = frappe.db.get_value("HSQ Department", world.a.dept2, "survey_code")
	for i in range(6):
		submit(code2, 3, comment=f"饭菜太咸{i}")
	themes.refresh_month(month)
	# the same level in each of the three months before
	for back in (1, 2, 3):
		frappe.get_doc(
			{
				"doctype": "HSQ Theme Month Stat",
				"month": frappe.utils.add_months(month, -back),
				"institution": world.a.institution,
				"department": world.a.dept2,
				"theme": "饭菜",
				"mentions": 6,
			}
		).insert()
	assert "饭菜" not in [r.theme for r in themes.rising(month)]


# -- questionnaires ------------------------------------------------------------------------------------------


def test_a_changed_questionnaire_never_rewrites_past_answers(world):
	name = submit(world.code1, 4, answers=[{"item": "A1", "score": 3}])
	template = frappe.get_doc(
		"HSQ Survey Template", frappe.db.get_value("HSQ Survey Response", name, "template")
	)
	version = template.version
	template.items[0].question = "预约挂号是否方便快捷？"
	template.save()
	assert template.version == version + 1
	row = frappe.get_doc("HSQ Survey Response", name).answers[0]
	assert row.question == "挂号、预约是否方便？"
	assert frappe.db.get_value("HSQ Survey Response", name, "template_version") == version


# -- QR posters ---------------------------------------------------------------------------------------------


def test_qr_posters_for_a_department_and_an_institution(world):
	from hsq_app.survey import poster

	pages = poster.pages_for("HSQ Institution", world.a.institution)
	assert len(pages) >= 3 and pages[0][1] is None  # the institution's own poster, then each department
	assert (world.a.institution, "内科", world.code1) in pages
	for size in ("A4", "Card"):
		pdf = poster.posters_pdf(pages[:2], size)
		assert pdf.startswith(b"%PDF")
	as_user(world.b.officer)
	with pytest.raises(frappe.PermissionError):
		poster.download("HSQ Department", world.a.dept1)
	with pytest.raises(frappe.PermissionError):
		poster.download("User", "Administrator")


# -- reports -------------------------------------------------------------------------------------------------


def test_indicator_ranking_report_ranks_within_what_the_viewer_sees(world):
	from hsq_app.survey.report.survey_indicators import survey_indicators

	for _ in range(2):
		submit(world.code1, 5)
	submit(frappe.db.get_value("HSQ Department", world.b.dept1, "survey_code"), 2)
	filters = {"from_date": today(), "to_date": today()}
	as_user(world.bureau_admin)
	_cols, data, *_ = survey_indicators.execute(filters)
	ranks = {r["institution"]: r for r in data}
	assert ranks[world.a.institution]["rank"] < ranks[world.b.institution]["rank"]
	assert ranks[world.a.institution]["outpatient_answers"] >= 2
	assert "outpatient_quota" in ranks[world.a.institution]
	as_user(world.b.leader)
	_cols, data, *_ = survey_indicators.execute({**filters, "by_department": 1})
	assert {r["institution"] for r in data} == {world.b.institution}
	_cols, data, *_ = survey_indicators.execute({**filters, "institution": world.a.institution})
	assert data == []


def test_themes_report_lists_ranked_themes_with_examples(world):
	from hsq_app.survey.report.survey_themes import survey_themes

	for i in range(3):
		submit(world.code1, 3, comment=f"排队时间长，等了{i + 2}小时")
	themes.refresh_month(today())
	as_user(world.a.leader)
	_cols, data = survey_themes.execute({"month": today()})
	top = {r["theme"]: r for r in data}
	assert top["排队时间长"]["mentions"] >= 3 and top["排队时间长"]["from_surveys"] >= 3
	assert "排队时间长" in top["排队时间长"]["examples"]
	as_user(world.b.leader)
	_cols, data = survey_themes.execute({"month": today()})
	assert "排队时间长" not in {r["theme"] for r in data}


# -- digests -------------------------------------------------------------------------------------------------


def test_daily_digest_tells_the_department_head_and_leader_with_links(world):
	from hsq_app.survey import digest

	frappe.db.set_value("HSQ Institution", world.a.institution, "deputy_head", world.a.leader)
	name = submit(world.code1, 1, comment="等了很久")
	assert digest.send_daily(today()) == 2  # the department head and the responsible leader
	for user in (world.a.head1, world.a.leader):
		note = frappe.get_all(
			"Notification Log",
			filters={"for_user": user},
			fields=["subject", "email_content"],
			order_by="creation desc",
			limit=1,
		)[0]
		assert f"/app/hsq-survey-response/{name}" in note.email_content
	assert digest.send_weekly(add_days(today(), 1)) >= 1

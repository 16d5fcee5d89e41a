"""Every door a complaint comes in by, and bad input on each: desk, intake API, public page, REST."""

import json

import frappe
import pytest
from complaint_steps import RESOLUTION, in_state, registered, state
from factories import as_user, uid
from rest import api_token, request

from hsq_app import roles as R

# ------------------------------------------------------------------ desk door (document API)


def test_registering_user_and_tracking_code(shared_world):
	name = registered(shared_world)
	doc = frappe.get_doc("HSQ Complaint", name)
	assert doc.registered_by == shared_world.a.officer
	assert len(doc.tracking_code) == 10 and doc.workflow_state == "Registered"
	assert name.startswith(f"TS-{frappe.utils.nowdate()[:4]}-")


def test_anonymous_complaints_keep_no_identity(shared_world):
	name = registered(shared_world, is_anonymous=1, complainant_name="李四", complainant_phone="13900000000")
	doc = frappe.get_doc("HSQ Complaint", name)
	assert not doc.complainant_name and not doc.complainant_phone


def test_html_is_stripped_and_lengths_capped(shared_world):
	name = registered(shared_world, description="<script>alert(1)</script>护士<b>态度</b>差")
	desc = frappe.db.get_value("HSQ Complaint", name, "description")
	assert "<" not in desc and "态度" in desc
	with pytest.raises(frappe.CharacterLengthExceededError):
		registered(shared_world, description="长" * 10_000)
	with pytest.raises(frappe.ValidationError):
		registered(shared_world, complainant_phone="call me maybe")


def test_handler_cannot_see_personal_data_fields_without_permlevel(shared_world):
	w = shared_world
	name = in_state(w, "Dispatched")
	as_user(w.a.agent)  # follow-up agents may register complaints but do not read other complaints
	assert not frappe.has_permission("HSQ Complaint", "read", name)
	as_user(w.a.handler1)
	doc = frappe.get_doc("HSQ Complaint", name)
	assert doc.has_permlevel_access_to("complainant_phone", permission_type="read")
	assert not doc.has_permlevel_access_to("complainant_phone", permission_type="write")


def test_opening_the_form_logs_the_view_of_personal_data(shared_world):
	from frappe.desk.form.load import getdoc

	w = shared_world
	name = registered(w)
	before = frappe.db.count("Access Log", {"reference_document": name})
	as_user(w.a.leader)
	getdoc("HSQ Complaint", name)
	frappe.set_user("Administrator")
	logs = frappe.get_all("Access Log", filters={"reference_document": name}, fields=["user", "method"])
	assert len(logs) == before + 1 and logs[0].user == w.a.leader


def test_second_saver_is_told_and_nothing_is_lost(shared_world):
	w = shared_world
	name = registered(w)
	as_user(w.a.officer)
	first = frappe.get_doc("HSQ Complaint", name)
	second = frappe.get_doc("HSQ Complaint", name)
	first.demands = "退还挂号费"
	first.save()
	second.demands = "要求道歉"
	with pytest.raises(frappe.TimestampMismatchError):
		second.save()
	assert frappe.db.get_value("HSQ Complaint", name, "demands") == "退还挂号费"


# ------------------------------------------------------------------ intake API (in process)


def intake(**payload):
	from hsq_app.api.intake import create_complaint

	return create_complaint(**payload)


def intake_payload(w, **kw):
	return {
		"channel": "12345 Hotline",
		"external_ref": uid("GD"),
		"received_at": "2026-11-20 09:30:00",
		"complainant_name": "王五",
		"complainant_phone": "13700000000",
		"institution": w.a.institution,
		"category": "Waiting Time",
		"description": "挂号排队两小时",
		**kw,
	}


@pytest.fixture
def intake_user():
	from factories import make_user

	return make_user(R.INTAKE_INTEGRATION)


def test_intake_is_idempotent_on_channel_and_reference(shared_world, intake_user):
	payload = intake_payload(shared_world)
	as_user(intake_user)
	first = intake(**payload)
	again = intake(**payload)
	assert first["created"] is True and again == {"name": first["name"], "created": False}
	other_channel = intake(**{**payload, "channel": "Letters and Visits"})
	assert other_channel["created"] is True and other_channel["name"] != first["name"]


@pytest.mark.parametrize(
	"change",
	[
		{"institution": "不存在的医院"},
		{"category": "Nonsense"},
		{"channel": "Pigeon"},
		{"description": None},
		{"external_ref": ""},
		{"received_at": "yesterday-ish"},
		{"description": 12345},
		{"description": "长" * 10_000},
		{"staff_involved": "张医生"},
		{"department": "不存在-科室"},
		{"surprise": "field"},
	],
	ids=lambda c: next(iter(c)),
)
def test_intake_bad_input_is_417_and_stores_nothing(shared_world, intake_user, change):
	payload = {**intake_payload(shared_world), **change}
	payload = {k: v for k, v in payload.items() if v is not None}
	before = frappe.db.count("HSQ Complaint")
	as_user(intake_user)
	with pytest.raises(frappe.ValidationError) as e:
		intake(**payload)
	assert e.value.http_status_code == 417
	assert frappe.db.count("HSQ Complaint") == before


def test_intake_needs_the_integration_role(shared_world):
	as_user(shared_world.a.officer)
	with pytest.raises(frappe.PermissionError):
		intake(**intake_payload(shared_world))


# ------------------------------------------------------------------ over HTTP (committed data)


@pytest.fixture
def http_world(shared_world):
	"""Committed users with API tokens; complaints made here are removed afterwards."""
	from factories import make_user

	made = []
	users = {
		"intake": make_user(R.INTAKE_INTEGRATION),
	}
	frappe.db.commit()
	tokens = {k: api_token(u) for k, u in users.items()}
	for key in ("officer", "head1", "handler1", "leader", "handler2"):
		tokens[key] = api_token(shared_world.a[key])
	yield frappe._dict(tokens=tokens, made=made, w=shared_world)
	frappe.db.rollback()
	from factories import _recount_complaint_cells

	for name in made:
		frappe.db.delete("HSQ Complaint", {"name": name})
		for dt, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Access Log", "reference_document"),
		):
			frappe.db.delete(dt, {field: name})
	_recount_complaint_cells()  # deleted behind the app
	frappe.db.commit()  # clean up what the HTTP requests committed


def test_intake_over_http_twice_is_one_complaint(http_world):
	payload = intake_payload(http_world.w)
	url = "/api/method/hsq_app.api.intake.create_complaint"
	first = request("POST", url, token=http_world.tokens["intake"], json_body=payload)
	assert first.status_code == 200, first.body
	http_world.made.append(first.body["message"]["name"])
	second = request("POST", url, token=http_world.tokens["intake"], json_body=payload)
	assert second.body["message"] == {"name": first.body["message"]["name"], "created": False}
	assert frappe.db.count("HSQ Complaint", {"external_ref": payload["external_ref"]}) == 1
	bad = request(
		"POST", url, token=http_world.tokens["intake"], json_body={**payload, "institution": "无此医院"}
	)
	assert bad.status_code == 417
	assert "无此医院" in json.dumps(bad.body, ensure_ascii=False)


def test_workflow_through_rest_calls(http_world):
	w = http_world.w
	t = http_world.tokens
	resp = request(
		"POST",
		"/api/resource/HSQ Complaint",
		token=t["officer"],
		json_body={
			"channel": "Hotline",
			"institution": w.a.institution,
			"category": "Fees",
			"description": "多收费",
			"received_at": "2026-11-20 10:00:00",
			"complainant_phone": "13800000000",
		},
	)
	assert resp.status_code == 200, resp.body
	name = resp.body["data"]["name"]
	http_world.made.append(name)

	def do(token_key, action, values=None):
		return request(
			"POST",
			"/api/method/hsq_app.complaints.api.apply_action",
			token=t[token_key],
			json_body={"complaint": name, "action": action, "values": values or {}},
		)

	assert do("handler2", "Dispatch", {"department": w.a.dept1}).status_code == 403
	assert do("officer", "Dispatch", {"department": w.a.dept1}).status_code == 200
	# a handler of another department cannot even read it
	assert request("GET", f"/api/resource/HSQ Complaint/{name}", token=t["handler2"]).status_code == 403
	doc = frappe.get_doc("HSQ Complaint", name).as_dict()
	wf_call = request(
		"POST",
		"/api/method/frappe.model.workflow.apply_workflow",
		token=t["handler1"],
		json_body={"doc": frappe.as_json(doc), "action": "Accept"},
	)
	assert wf_call.status_code == 200, wf_call.body
	assert do("handler1", "Start").status_code == 200
	assert do("handler1", "Submit for Approval", RESOLUTION).status_code == 200
	assert do("leader", "Approve").status_code == 417  # ordinary severity: the department head's
	assert do("head1", "Approve").status_code == 200
	assert do("officer", "Close", {"complainant_feedback": "Satisfied"}).status_code == 200
	frappe.db.rollback()
	assert state(name) == "Closed"
	put = request(
		"PUT", f"/api/resource/HSQ Complaint/{name}", token=t["officer"], json_body={"resolution": "x"}
	)
	assert put.status_code == 417
	delete = request("DELETE", f"/api/resource/HSQ Complaint/{name}", token=t["officer"])
	assert delete.status_code in (403, 417)
	# reading it over REST with personal data is logged
	got = request("GET", f"/api/resource/HSQ Complaint/{name}", token=t["leader"])
	assert got.status_code == 200
	frappe.db.rollback()
	assert frappe.db.exists("Access Log", {"reference_document": name, "user": w.a.leader})


def test_public_page_files_and_tracks_without_an_account(http_world):
	w = http_world.w
	ip = f"10.{frappe.utils.random_string(2).__hash__() % 250}.1.{frappe.utils.cint(uid()[:0] or 7)}"
	page = request("GET", "/complaint")
	assert page.status_code == 200 and w.a.institution in page.get_data(as_text=True)
	resp = request(
		"POST",
		"/api/method/hsq_app.api.public.submit_complaint",
		json_body={
			"institution": w.a.institution,
			"category": "Service Attitude",
			"description": "<img src=x onerror=alert(1)>导诊态度差",
			"complainant_phone": "13600000000",
			"complainant_name": "赵六",
		},
		ip=ip,
	)
	assert resp.status_code == 200, resp.body
	http_world.made.append(resp.body["message"]["name"])
	code = resp.body["message"]["tracking_code"]
	assert set(resp.body["message"]) == {"tracking_code", "name"}
	frappe.db.rollback()
	doc = frappe.get_doc("HSQ Complaint", resp.body["message"]["name"])
	assert doc.channel == "Website" and "<" not in doc.description and doc.registered_by == "Guest"
	status = request("GET", f"/api/method/hsq_app.api.public.complaint_status?tracking_code={code}", ip=ip)
	assert status.status_code == 200
	body = status.body["message"]
	assert "赵六" not in str(body) and "13600000000" not in str(body)
	wrong = request("GET", "/api/method/hsq_app.api.public.complaint_status?tracking_code=NOPE", ip=ip)
	assert wrong.status_code == 404


def test_public_page_is_rate_limited_per_ip(http_world):
	w = http_world.w
	ip = f"10.99.{uid().__hash__() % 250}.{uid().__hash__() % 250}"
	from hsq_app.api.public import _hourly_limit

	limit = _hourly_limit()
	codes = []
	for _ in range(limit + 1):
		resp = request(
			"POST",
			"/api/method/hsq_app.api.public.submit_complaint",
			json_body={"institution": w.a.institution, "description": "排队太久", "is_anonymous": 1},
			ip=ip,
		)
		codes.append(resp.status_code)
		if resp.status_code == 200:
			http_world.made.append(resp.body["message"]["name"])
	assert codes[:limit] == [200] * limit and codes[-1] == 429


def test_public_page_bad_input(http_world):
	w = http_world.w
	ip = f"10.98.{uid().__hash__() % 250}.1"
	for body in (
		{"institution": w.bureau, "description": "x", "is_anonymous": 1},
		{"institution": w.a.institution, "description": "", "is_anonymous": 1},
		{"institution": w.a.institution, "description": "x"},
		{"institution": w.a.institution, "description": "长" * 10_000, "is_anonymous": 1},
	):
		resp = request("POST", "/api/method/hsq_app.api.public.submit_complaint", json_body=body, ip=ip)
		assert resp.status_code == 417, (body, resp.status_code)

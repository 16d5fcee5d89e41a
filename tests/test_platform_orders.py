"""12345 / 信访 work orders both ways: intake, 签收, 办结反馈 and closing delivered to the platform
(signed, retried, once per event), 回访 callbacks (重办 on dissatisfaction), 催办/督办, 退单, 延期."""

from datetime import timedelta

import frappe
import pytest
from complaint_steps import act, state
from factories import as_user, make_user, uid
from platform_fake import FakePlatform

from hsq_app import roles as R
from hsq_app.api import platform as api
from hsq_app.api.intake import create_complaint
from hsq_app.complaints.platform import delivery
from hsq_app.complaints.platform.callbacks import CallbackError
from hsq_app.complaints.platform.orders import PlatformOrderError

SECRET = "platform-secret-for-tests"
RESOLUTION = {"finding": "Upheld", "resolution": "已核实并整改", "reply_to_complainant": "已致歉并说明"}


@pytest.fixture
def intake_user():
	return make_user(R.INTAKE_INTEGRATION)


def configure(url, platform="12345"):
	doc = frappe.get_doc("HSQ Platform", platform)
	doc.url = url
	doc.secret = SECRET
	doc.enabled = 1
	doc.save()


def order_in(w, intake_user, **kw):
	as_user(intake_user)
	try:
		values = {
			"channel": "12345 Hotline",
			"external_ref": uid("GD"),
			"received_at": str(frappe.utils.now_datetime() - timedelta(hours=1)),
			"complainant_name": "王五",
			"complainant_phone": "13700000099",
			"institution": w.a.institution,
			"category": "Waiting Time",
			"description": f"挂号排队两小时无人处理 {uid()}",
			**kw,
		}
		answer = create_complaint(**values)
	finally:
		frappe.set_user("Administrator")
	return answer["name"]


def callback(intake_user, **payload):
	as_user(intake_user)
	try:
		return api.callback(**payload)
	finally:
		frappe.set_user("Administrator")


def answer(w, name):
	act(w.a.handler1, name, "Submit for Approval", **RESOLUTION)
	act(w.a.head1, name, "Approve")
	assert state(name) == "Resolved"


def deliveries(name):
	return frappe.get_all(
		"HSQ Platform Delivery",
		filters={"complaint": name},
		fields=["name", "event", "status", "attempts", "idempotency_key"],
		order_by="creation asc",
	)


def test_a_12345_order_goes_both_ways_once_per_event_through_an_outage(shared_world, intake_user):
	w = shared_world
	with FakePlatform(SECRET, fail_first=2) as fake:
		configure(fake.url)
		name = order_in(w, intake_user)
		doc = frappe.get_doc("HSQ Complaint", name)
		assert (doc.platform, doc.platform_order_no, doc.platform_status) == (
			"12345",
			doc.external_ref,
			"Received",
		)
		assert doc.platform_sign_by and doc.platform_answer_by

		as_user(w.a.officer)
		api.sign_for(name)
		frappe.set_user("Administrator")
		[signed] = deliveries(name)
		assert (signed.status, signed.attempts) == ("Retrying", 1)
		later = frappe.utils.now_datetime() + timedelta(days=1)
		delivery.retry_due(now=later)
		assert frappe.db.get_value("HSQ Platform Delivery", signed.name, "status") == "Retrying"
		delivery.retry_due(now=later)
		assert frappe.db.get_value("HSQ Platform Delivery", signed.name, ["status", "attempts"]) == (
			"Delivered",
			3,
		)
		# signing for again changes nothing and sends nothing
		as_user(w.a.officer)
		api.sign_for(name)
		frappe.set_user("Administrator")
		assert len(deliveries(name)) == 1

		act(w.a.officer, name, "Dispatch", department=w.a.dept1)
		act(w.a.handler1, name, "Accept")
		act(w.a.handler1, name, "Start")
		answer(w, name)

		# 回访: dissatisfied → 重办 with the platform's reason
		cb = {"platform": "12345", "callback_id": uid("CB"), "order_no": doc.platform_order_no}
		out = callback(intake_user, **cb, kind="Visit Result", result="Dissatisfied", reason="未解决排队问题")
		assert out["created"] is True
		assert state(name) == "In Progress"
		assert frappe.db.get_value("HSQ Complaint", name, "reopen_count") == 1
		comments = frappe.get_all(
			"Comment", filters={"reference_name": name, "comment_type": "Info"}, pluck="content"
		)
		assert any("未解决排队问题" in c for c in comments)
		# the same callback again: nothing more happens
		again = callback(
			intake_user, **cb, kind="Visit Result", result="Dissatisfied", reason="未解决排队问题"
		)
		assert again["created"] is False
		assert frappe.db.get_value("HSQ Complaint", name, "reopen_count") == 1

		answer(w, name)  # the second answer goes out (round 1)
		callback(intake_user, **{**cb, "callback_id": uid("CB")}, kind="Visit Result", result="Satisfied")
		assert frappe.db.get_value("HSQ Complaint", name, "complainant_feedback") == "Satisfied"
		act(w.a.officer, name, "Close")
		assert state(name) == "Closed"

		assert fake.bad_signatures == 0
		assert all(r["signed"] for r in fake.requests)
		assert fake.events() == [("Answered", 0), ("Answered", 1), ("Closed", 1), ("Signed For", 0)]
		# three attempts of "signed for" carried one key; every other event went once
		keys = [r["key"] for r in fake.requests]
		assert len(keys) == 3 + 3 and len(set(keys)) == 4
		assert {d.status for d in deliveries(name)} == {"Delivered"}

		# the delivery log: a bureau admin reads it and re-sends; the platform still keeps one
		as_user(w.bureau_admin)
		rows = frappe.get_list("HSQ Platform Delivery", filters={"complaint": name}, pluck="name")
		assert len(rows) == 4
		log = frappe.get_doc("HSQ Platform Delivery", signed.name)
		log.resend()
		frappe.set_user("Administrator")
		assert len(fake.requests) == 7 and len(fake.accepted) == 4
		# an officer may neither read nor re-send it
		as_user(w.a.officer)
		assert not frappe.has_permission("HSQ Platform Delivery", "read")
		with pytest.raises(frappe.PermissionError):
			frappe.get_doc("HSQ Platform Delivery", signed.name).resend()
		frappe.set_user("Administrator")


def test_a_delivery_that_keeps_failing_ends_failed_and_visible(shared_world, intake_user):
	w = shared_world
	with FakePlatform(SECRET, fail_first=100) as fake:
		configure(fake.url)
		name = order_in(w, intake_user)
		as_user(w.a.officer)
		api.sign_for(name)
		frappe.set_user("Administrator")
		for _i in range(delivery.MAX_ATTEMPTS):
			delivery.retry_due(now=frappe.utils.now_datetime() + timedelta(days=2))
		[row] = deliveries(name)
		assert (row.status, row.attempts) == ("Failed", delivery.MAX_ATTEMPTS)
		assert frappe.db.get_value("HSQ Platform Delivery", row.name, "last_error") == "HTTP 503"
		fake.fail_first = 0
		as_user(w.bureau_admin)
		frappe.get_doc("HSQ Platform Delivery", row.name).resend()
		frappe.set_user("Administrator")
		assert frappe.db.get_value("HSQ Platform Delivery", row.name, "status") == "Delivered"


def test_callbacks_need_the_intake_role_and_valid_input(shared_world, intake_user):
	w = shared_world
	name = order_in(w, intake_user)
	order_no = frappe.db.get_value("HSQ Complaint", name, "platform_order_no")
	as_user(w.a.officer)
	with pytest.raises(frappe.PermissionError):
		api.callback(platform="12345", callback_id="x", order_no=order_no, kind="Urge")
	frappe.set_user("Administrator")
	for bad in (
		{"kind": "Urge"},  # no callback id
		{"callback_id": uid(), "kind": "Nonsense"},
		{"callback_id": uid(), "kind": "Visit Result", "result": "Happy"},
		{"callback_id": uid(), "kind": "Urge", "order_no": "NO-SUCH-ORDER"},
	):
		with pytest.raises(CallbackError):
			callback(intake_user, **{"platform": "12345", "order_no": order_no, **bad})
	assert not frappe.db.exists("HSQ Platform Callback", {"complaint": name})


def test_urge_and_supervision_notices_show_and_notify_the_chain(shared_world, intake_user):
	w = shared_world
	name = order_in(w, intake_user)
	act(w.a.officer, name, "Dispatch", department=w.a.dept1)
	act(w.a.handler1, name, "Accept")
	order_no = frappe.db.get_value("HSQ Complaint", name, "platform_order_no")
	callback(
		intake_user,
		platform="12345",
		callback_id=uid(),
		order_no=order_no,
		kind="Urge",
		reason="群众再次来电",
	)
	callback(
		intake_user, platform="12345", callback_id=uid(), order_no=order_no, kind="Supervise", reason="督办"
	)
	assert frappe.db.get_value("HSQ Complaint", name, "urge_count") == 2
	notified = set(frappe.get_all("Notification Log", filters={"document_name": name}, pluck="for_user"))
	assert {w.a.handler1, w.a.head1} <= notified


def test_send_back_only_before_signing_for_and_extension_within_limits(shared_world, intake_user):
	w = shared_world
	name = order_in(w, intake_user)
	as_user(w.a.officer)
	with pytest.raises(frappe.MandatoryError):
		api.send_back(name, "")
	with pytest.raises(PlatformOrderError):
		api.request_extension(name, 99, "需要调查")
	api.request_extension(name, 10, "需要调查取证")
	api.send_back(name, "属于市场监管部门职责")
	assert frappe.db.get_value("HSQ Complaint", name, "platform_status") == "Sent Back"
	with pytest.raises(PlatformOrderError):
		api.sign_for(name)
	frappe.set_user("Administrator")
	assert sorted(d.event for d in deliveries(name)) == ["Extension Requested", "Sent Back"]

	other = order_in(w, intake_user)
	as_user(w.a.officer)
	api.sign_for(other)
	with pytest.raises(PlatformOrderError):
		api.send_back(other, "属于市场监管部门职责")
	frappe.set_user("Administrator")


def test_an_approved_extension_moves_the_platform_deadline(shared_world, intake_user):
	w = shared_world
	name = order_in(w, intake_user)
	before = frappe.db.get_value("HSQ Complaint", name, "platform_answer_by")
	order_no = frappe.db.get_value("HSQ Complaint", name, "platform_order_no")
	callback(
		intake_user,
		platform="12345",
		callback_id=uid(),
		order_no=order_no,
		kind="Extension Decision",
		result="Approved",
		days=5,
	)
	after = frappe.db.get_value("HSQ Complaint", name, "platform_answer_by")
	assert after - before == timedelta(days=5)


def test_letters_and_visits_use_statutory_limits(shared_world, intake_user):
	w = shared_world
	name = order_in(w, intake_user, channel="Letters and Visits")
	doc = frappe.get_doc("HSQ Complaint", name)
	assert doc.platform == "信访"
	received = frappe.utils.get_datetime(doc.received_at)
	assert doc.platform_sign_by - received == timedelta(days=15)
	assert doc.platform_answer_by - received == timedelta(days=60)


def test_platform_fields_are_system_fields(shared_world):
	w = shared_world
	as_user(w.a.officer)
	from factories import make_complaint

	doc = make_complaint(w.a.institution, platform="12345", platform_order_no="X1", merged_into=None)
	assert not doc.platform and not doc.platform_order_no
	doc.reload()
	doc.merged_into = doc.name
	from hsq_app.complaints.field_policy import SystemFieldError

	with pytest.raises(SystemFieldError):
		doc.save()
	frappe.set_user("Administrator")


def test_callbacks_take_the_intake_token_over_http(shared_world):
	from factories import make_user
	from rest import api_token, request

	intake = api_token(make_user(R.INTAKE_INTEGRATION))
	officer = api_token(shared_world.a.officer)
	path = "/api/method/hsq_app.api.platform.callback"
	body = {"platform": "12345", "callback_id": uid(), "order_no": "NO-SUCH", "kind": "Urge"}
	assert request("POST", path, token=officer, json_body=body).status_code == 403
	assert request("POST", path, json_body=body).status_code == 403
	answer = request("POST", path, token=intake, json_body=body)
	assert answer.status_code == 417
	assert request("GET", path, token=intake).status_code in (403, 405)


def order_events(fake, order_no):
	return sorted((b["event"], b["round"]) for b in fake.accepted.values() if b["order_no"] == order_no)


def test_a_12345_order_merged_into_an_earlier_complaint_gets_that_complaints_answer(
	shared_world, intake_user
):
	"""The same event reported on-site first and to 12345 later: merged, the platform still hears
	签收, that it is handled with the first complaint, and that complaint's answers, once each."""
	from factories import make_complaint

	from hsq_app.complaints import repeats

	w = shared_world
	with FakePlatform(SECRET) as fake:
		configure(fake.url)
		as_user(w.a.officer)
		first = make_complaint(
			w.a.institution,
			description=f"挂号排队两小时 {uid()}",
			received_at=frappe.utils.now_datetime() - timedelta(hours=3),
		)
		frappe.set_user("Administrator")
		name = order_in(w, intake_user)
		order_no = frappe.db.get_value("HSQ Complaint", name, "platform_order_no")

		as_user(w.a.officer)
		repeats.merge_duplicate(name, first.name)
		frappe.set_user("Administrator")
		assert order_events(fake, order_no) == [("Merged", 0), ("Signed For", 0)]
		merged = next(b for b in fake.accepted.values() if b["event"] == "Merged")
		assert merged["merged_into"] == first.name

		act(w.a.officer, first.name, "Dispatch", department=w.a.dept1)
		act(w.a.handler1, first.name, "Accept")
		act(w.a.handler1, first.name, "Start")
		answer(w, first.name)
		answered = [b for b in fake.accepted.values() if b["event"] == "Answered"]
		assert [(b["order_no"], b["merged_into"], b["resolution"]) for b in answered] == [
			(order_no, first.name, RESOLUTION["resolution"])
		]
		assert frappe.db.get_value("HSQ Complaint", name, "platform_status") == "Answered"

		# the citizen tells 12345 they are dissatisfied: the first complaint is reopened (重办)
		cb = {"platform": "12345", "callback_id": uid("CB"), "order_no": order_no}
		callback(intake_user, **cb, kind="Visit Result", result="Dissatisfied", reason="仍然排队")
		assert state(first.name) == "In Progress"
		assert state(name) == "Closed"  # the duplicate stays folded in
		answer(w, first.name)
		act(w.a.officer, first.name, "Close", complainant_feedback="Satisfied")
		assert order_events(fake, order_no) == [
			("Answered", 0),
			("Answered", 1),
			("Closed", 1),
			("Merged", 0),
			("Signed For", 0),
		]
		assert fake.bad_signatures == 0


def test_events_wait_held_while_a_platform_has_no_url_and_go_out_once_it_has(shared_world, intake_user):
	w = shared_world
	doc = frappe.get_doc("HSQ Platform", "12345")
	doc.url = ""
	doc.save()
	name = order_in(w, intake_user)
	as_user(w.a.officer)
	api.sign_for(name)
	frappe.set_user("Administrator")
	[row] = deliveries(name)
	assert (row.status, row.attempts) == ("Held", 0)  # no attempt used while nowhere to send
	delivery.retry_due(now=frappe.utils.now_datetime() + timedelta(days=2))
	assert frappe.db.get_value("HSQ Platform Delivery", row.name, "status") == "Held"
	with FakePlatform(SECRET) as fake:
		configure(fake.url)  # the admin sets the URL: what waited goes out
		assert frappe.db.get_value("HSQ Platform Delivery", row.name, ["status", "attempts"]) == (
			"Delivered",
			1,
		)
		assert [b["event"] for b in fake.accepted.values()] == ["Signed For"]

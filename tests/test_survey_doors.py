"""The survey's doors over HTTP, as a phone reaches them: the page /survey/<code> (light, no desk
assets), the guest endpoint (417 on bad input with nothing stored, 429 past the rate limit, the
real client address), and the SMS layer (opt-out, retries through the fake gateway)."""

from __future__ import annotations

import frappe
import pytest
from factories import uid
from frappe.utils import add_to_date, now_datetime, today
from rest import request

from hsq_app.messaging import sms
from hsq_app.survey import stats

SUBMIT = "/api/method/hsq_app.api.survey.submit"
PAGE_BUDGET = 24 * 1024  # bytes of the whole page (HTML, inline CSS and script): a phone on 2G


@pytest.fixture
def door(shared_world):
	"""The shared world's department code; answers stored over HTTP are removed afterwards."""
	frappe.cache.delete_keys("hsq:survey:")
	w = shared_world
	w.code = frappe.db.get_value("HSQ Department", w.a.dept1, "survey_code")
	before = set(frappe.get_all("HSQ Survey Response", pluck="name"))
	yield w
	frappe.db.rollback()
	made = [n for n in frappe.get_all("HSQ Survey Response", pluck="name") if n not in before]
	for name in made:
		task = frappe.db.get_value("HSQ Survey Response", name, "callback_task")
		if task:
			frappe.db.delete("ToDo", {"reference_name": task})
			frappe.db.delete("HSQ Survey Callback", {"name": task})
		frappe.db.delete("HSQ Survey Answer", {"parent": name})
		frappe.db.delete("HSQ Survey Response", {"name": name})
	stats.rebuild(today(), today())
	frappe.db.commit()  # undo what the HTTP requests committed
	frappe.cache.delete_keys("hsq:survey:")


def test_the_page_is_light_and_loads_no_desk_assets(door):
	r = request("GET", f"/survey/{door.code}")
	assert r.status_code == 200
	html = r.get_data(as_text=True)
	assert "满意度调查" in html and "内科" in html
	assert "/assets/" not in html  # no desk or website bundle: one request, everything inline
	assert "<link" not in html and "<script src" not in html
	assert len(r.get_data()) < PAGE_BUDGET, len(r.get_data())
	assert 'name="viewport"' in html


def test_an_unknown_code_shows_a_plain_message(door):
	r = request("GET", "/survey/NOSUCH99")
	assert r.status_code == 200
	assert "无效" in r.get_data(as_text=True)


def test_a_guest_answers_over_http(door):
	r = request(
		"POST",
		SUBMIT,
		json_body={
			"code": door.code,
			"overall_score": 5,
			"device": uid("d"),
			"answers": [{"item": "A1", "score": 5}],
		},
	)
	assert r.status_code == 200, r.body
	name = r.body["message"]["name"]
	frappe.db.rollback()
	assert frappe.db.get_value("HSQ Survey Response", name, ["owner", "department"]) == (
		"Guest",
		door.a.dept1,
	)


@pytest.mark.parametrize(
	"body",
	[
		{"code": None, "overall_score": 5},
		{"code": "NOPE1234", "overall_score": 5},
		{"overall_score": 9},
		{"overall_score": 4, "answers": [{"item": "A1", "score": 7}]},
	],
)
def test_bad_input_is_417_with_a_message_and_nothing_stored(door, body):
	body = {"code": door.code, "device": uid("d"), **body}
	count = frappe.db.count("HSQ Survey Response")
	r = request("POST", SUBMIT, json_body=body)
	assert r.status_code == 417, r.body
	assert r.body.get("_server_messages")
	frappe.db.rollback()
	assert frappe.db.count("HSQ Survey Response") == count


def test_get_is_not_allowed(door):
	r = request("GET", f"{SUBMIT}?code={door.code}&overall_score=5")
	assert r.status_code in (403, 405)


def test_rate_limit_is_on_the_real_address_not_a_forged_header(door):
	frappe.db.set_single_value("HSQ Survey Settings", "hourly_rate_limit", 3)
	frappe.db.commit()
	try:
		codes = []
		for i in range(5):
			# a client forging X-Forwarded-For gets no fresh allowance: the address our proxy saw
			# (the right-most hop, appended by the trusted proxy) is the one counted
			r = request(
				"POST",
				SUBMIT,
				ip=f"198.51.100.{i}, 203.0.113.9",
				json_body={"code": door.code, "overall_score": 4, "device": uid("d")},
			)
			codes.append(r.status_code)
		assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
	finally:
		frappe.db.set_single_value("HSQ Survey Settings", "hourly_rate_limit", 30)
		frappe.db.commit()


# -- the SMS layer ------------------------------------------------------------------------------------


def test_send_sms_renders_logs_and_delivers(fake_sms):
	name = sms.send_sms(
		"Survey Invitation",
		"+86 139-1111-2222",
		{"institution": "测试医院", "link": "http://x/s/1", "valid_days": 7},
		"User",
		"Administrator",
	)
	log = frappe.get_doc("HSQ SMS Log", name)
	assert (log.status, log.receiver, log.attempts) == ("Sent", "13911112222", 1)
	assert fake_sms.outbox == [("13911112222", log.message)]
	assert log.message.startswith("【测试医院】") and "http://x/s/1" in log.message


def test_an_opted_out_number_gets_nothing(fake_sms):
	sms.opt_out("13911113333", "回复TD")
	name = sms.send_sms("Survey Invitation", "13911113333", {"link": "x"})
	assert frappe.db.get_value("HSQ SMS Log", name, "status") == "Opted Out"
	assert fake_sms.outbox == []


def test_a_failed_send_is_retried_with_pauses_then_given_up(fake_sms):
	fake_sms.fail_next = 1
	name = sms.send_sms("Survey Invitation", "13911114444", {"link": "x"})
	log = frappe.db.get_value(
		"HSQ SMS Log", name, ["status", "attempts", "next_attempt_at", "last_error"], as_dict=True
	)
	assert (log.status, log.attempts) == ("Retrying", 1) and log.next_attempt_at > now_datetime()
	# other tests' committed messages may be due too: look at this one only
	sms.retry_due()  # not before its pause is over
	assert frappe.db.get_value("HSQ SMS Log", name, ["status", "attempts"]) == ("Retrying", 1)
	sms.retry_due(add_to_date(now_datetime(), minutes=10))
	assert frappe.db.get_value("HSQ SMS Log", name, ["status", "attempts"]) == ("Sent", 2)

	fake_sms.fail_next = 10
	name = sms.send_sms("Survey Invitation", "13911115555", {"link": "x"})
	for _ in range(sms.MAX_ATTEMPTS):
		sms.retry_due(add_to_date(now_datetime(), hours=5))
	assert frappe.db.get_value("HSQ SMS Log", name, ["status", "attempts"]) == ("Failed", sms.MAX_ATTEMPTS)


def test_unknown_template_is_refused():
	with pytest.raises(sms.UnknownTemplate):
		sms.send_sms("No Such Template", "13911116666", {})

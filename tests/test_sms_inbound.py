"""Replies through the SMS gateway (issue 15): a 退订 reply puts the number on the opt-out list, over
the gateway's own door (intake token), once, and nothing more is sent to it."""

from __future__ import annotations

import random

import frappe
import pytest
from factories import make_user
from frappe.utils import add_to_date, now_datetime
from rest import api_token, request

from hsq_app import roles as R
from hsq_app.messaging import inbound, sms

INBOUND = "/api/method/hsq_app.api.sms.inbound"


def a_phone() -> str:
	return "139" + "".join(random.choice("0123456789") for _ in range(8))


@pytest.mark.parametrize(
	"reply", ["TD", " td ", "Ｔ Ｄ", "T", "t。", "退订", "回复退订", "<b>退订</b>", "取消", "STOP"]
)
def test_opt_out_words(reply):
	assert inbound.asks_to_opt_out(reply)


@pytest.mark.parametrize("reply", ["", "谢谢", "满意", "TDX", "好的，明天去复查", "1"])
def test_other_replies_are_not_opt_outs(reply):
	assert not inbound.asks_to_opt_out(reply)


def test_a_td_reply_over_the_gateways_door_opts_the_number_out_once(shared_world, fake_sms):
	intake = api_token(make_user(R.INTAKE_INTEGRATION))
	officer = api_token(shared_world.a.officer)
	phone = a_phone()
	body = {"phone": f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", "content": " TD "}
	try:
		# only the integration account may call it, and only with POST
		assert request("POST", INBOUND, json_body=body).status_code == 403
		assert request("POST", INBOUND, token=officer, json_body=body).status_code == 403
		assert request("GET", f"{INBOUND}?phone={phone}&content=TD", token=intake).status_code in (403, 405)
		frappe.db.rollback()
		assert not sms.is_opted_out(phone)

		r = request("POST", INBOUND, token=intake, json_body=body)
		assert r.status_code == 200, r.body
		assert r.body["message"] == {"opted_out": True, "created": True}
		assert phone not in r.get_data(as_text=True)  # the door does not echo the number
		again = request("POST", INBOUND, token=intake, json_body={"mobile": phone, "message": "退订"})
		assert again.body["message"] == {"opted_out": True, "created": False}
		frappe.db.rollback()
		assert frappe.db.count("HSQ SMS Opt Out", {"phone": phone}) == 1
		reason = frappe.db.get_value("HSQ SMS Opt Out", {"phone": phone}, "reason")
		assert "TD" in reason and "<" not in reason

		# nothing more is sent to it
		log = sms.send_sms("Survey Invitation", phone, {"link": "x"})
		assert frappe.db.get_value("HSQ SMS Log", log, "status") == "Opted Out"
		assert fake_sms.outbox == []
	finally:
		frappe.db.rollback()
		frappe.db.delete("HSQ SMS Opt Out", {"phone": phone})
		frappe.db.commit()


@pytest.mark.parametrize(
	"body", [{"content": "TD"}, {"phone": "", "content": "TD"}, {"phone": "abc", "content": "TD"}]
)
def test_bad_input_is_417_and_nothing_stored(shared_world, body):
	intake = api_token(make_user(R.INTAKE_INTEGRATION))
	count = frappe.db.count("HSQ SMS Opt Out")
	r = request("POST", INBOUND, token=intake, json_body=body)
	assert r.status_code == 417, r.body
	frappe.db.rollback()
	assert frappe.db.count("HSQ SMS Opt Out") == count


def test_another_reply_is_acknowledged_and_not_stored():
	phone = a_phone()
	assert inbound.receive({"phone": phone, "content": "谢谢，已经好多了"}) == {
		"opted_out": False,
		"created": False,
	}
	assert not frappe.db.exists("HSQ SMS Opt Out", {"phone": phone})


def test_a_message_queued_before_the_reply_is_not_delivered(fake_sms):
	phone = a_phone()
	fake_sms.fail_next = 1
	log = sms.send_sms("Survey Invitation", phone, {"link": "x"})
	assert frappe.db.get_value("HSQ SMS Log", log, "status") == "Retrying"
	inbound.receive({"phone": phone, "content": "TD"})
	sms.retry_due(add_to_date(now_datetime(), minutes=10))
	assert frappe.db.get_value("HSQ SMS Log", log, "status") == "Opted Out"
	assert fake_sms.outbox == []

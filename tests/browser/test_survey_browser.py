"""The survey as a patient meets it on a phone (WeChat's browser size and user agent), and the
indicators block on a leader's landing workspace."""

from __future__ import annotations

import random

import frappe
import pytest
from live import login, new_page, screenshot, wait_for_workspace

from hsq_app.survey import stats

pytestmark = pytest.mark.browser

WECHAT_UA = (
	"Mozilla/5.0 (Linux; Android 13; V2219A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
	"Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560"
)
PAGE_BUDGET = 24 * 1024


@pytest.fixture
def answers():
	"""Answers the web server stored (committed) are removed afterwards."""
	frappe.cache.delete_keys("hsq:survey:")
	before = set(frappe.get_all("HSQ Survey Response", pluck="name"))
	yield
	frappe.db.rollback()
	for name in frappe.get_all("HSQ Survey Response", pluck="name"):
		if name in before:
			continue
		task = frappe.db.get_value("HSQ Survey Response", name, "callback_task")
		if task:
			frappe.db.delete("ToDo", {"reference_name": task})
			frappe.db.delete("HSQ Survey Callback", {"name": task})
		frappe.db.delete("HSQ Survey Answer", {"parent": name})
		frappe.db.delete("HSQ Survey Response", {"name": name})
	stats.rebuild(frappe.utils.today(), frappe.utils.today())
	frappe.db.commit()  # undo what the web server committed
	frappe.cache.delete_keys("hsq:survey:")


def phone(browser, live_server):
	ip = f"10.{random.randint(0, 250)}.{random.randint(0, 250)}.{random.randint(1, 250)}"
	page = new_page(
		browser,
		live_server,
		user_agent=WECHAT_UA,
		is_mobile=True,
		has_touch=True,
		extra_http_headers={"X-Forwarded-For": ip},
	)
	page.set_viewport_size({"width": 390, "height": 844})
	return page


def test_a_patient_scans_a_department_code_and_answers_on_a_phone(browser, live_server, web_users, answers):
	w = web_users
	code = frappe.db.get_value("HSQ Department", w.a.dept1, "survey_code")
	page = phone(browser, live_server)
	loaded = []
	page.on(
		"requestfinished",
		lambda req: loaded.append((req.url, (req.sizes() or {}).get("responseBodySize", 0))),
	)
	page.goto(f"/survey/{code}")
	page.wait_for_selector("#survey")
	# one light page: no desk or website bundles, nothing wider than the phone
	assert [u for u, _ in loaded if "/assets/" in u] == []
	weight = sum(size for _, size in loaded)
	assert weight < PAGE_BUDGET, weight
	assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
	assert "满意度调查" in page.inner_text("h1")
	screenshot(page, "survey-1-phone")

	page.locator("[data-item=__overall] button[value='5']").tap()
	page.locator("section[data-kind=Outpatient] [data-item=A1] button[value='4']").tap()
	page.locator("section[data-kind=Outpatient] [data-item=A10] input[value='候诊时间']").check()
	page.fill("#comment", "医生解释得很清楚")
	screenshot(page, "survey-2-answered")
	page.locator("#send").tap()
	page.wait_for_selector("#thanks", state="visible")
	screenshot(page, "survey-3-thanks")

	frappe.db.rollback()
	row = frappe.get_all(
		"HSQ Survey Response",
		filters={"department": w.a.dept1, "comment": "医生解释得很清楚"},
		fields=["name", "overall_score", "kind", "source", "owner"],
	)
	assert len(row) == 1 and (row[0].overall_score, row[0].kind, row[0].source, row[0].owner) == (
		5,
		"Outpatient",
		"QR",
		"Guest",
	)
	answers_ = frappe.get_all(
		"HSQ Survey Answer", filters={"parent": row[0].name}, fields=["item", "score", "value"]
	)
	assert {(a.item, a.score or None, a.value) for a in answers_} == {
		("A1", 4, None),
		("A10", None, "候诊时间"),
	}

	# the same phone again today: refused with a readable message, nothing stored
	page.goto(f"/survey/{code}")
	page.locator("[data-item=__overall] button[value='3']").tap()
	page.locator("#send").tap()
	page.wait_for_selector("#error", state="visible")
	assert "已填写" in page.inner_text("#error")
	frappe.db.rollback()
	assert frappe.db.count("HSQ Survey Response", {"department": w.a.dept1, "overall_score": 3}) == 0
	page.context.close()


def test_the_overall_score_is_the_one_thing_asked(browser, live_server, web_users, answers):
	code = frappe.db.get_value("HSQ Department", web_users.a.dept1, "survey_code")
	page = phone(browser, live_server)
	page.goto(f"/survey/{code}")
	page.locator("#send").tap()
	assert "总体评价" in page.inner_text("#error")
	page.locator(".kinds button[data-kind=Inpatient]").tap()
	assert page.locator("section[data-kind=Inpatient]").is_visible()
	page.locator("[data-item=__overall] button[value='1']").tap()
	page.locator("#wants_callback").check()
	page.fill("#phone", "13700001111")
	page.locator("#send").tap()
	page.wait_for_selector("#thanks", state="visible")
	frappe.db.rollback()
	row = frappe.db.get_value(
		"HSQ Survey Response",
		{"department": web_users.a.dept1, "kind": "Inpatient", "contact_phone": "13700001111"},
		["name", "callback_task", "outcome"],
		as_dict=True,
	)
	assert row and row.outcome == "Call Back Open"
	# no background worker serves this test site: the five-minute sweep makes the task instead
	from hsq_app.survey import loop

	loop.sweep()
	frappe.db.commit()  # as the scheduler would
	assert frappe.db.get_value("HSQ Survey Response", row.name, "callback_task")
	page.context.close()


def test_the_three_indicators_on_a_leaders_workspace(browser, live_server, web_users, answers):
	w = web_users
	page = login(browser, live_server, w.a.leader)
	page.goto("/app/leader-desk")
	wait_for_workspace(page)
	page.wait_for_selector(".hsq-sat-card .n")
	cards = page.locator(".hsq-sat-card")
	assert cards.count() == 4  # outpatient, inpatient, staff, follow-up calls
	text = page.locator(".hsq-sat-grid").inner_text()
	for label in ("门诊患者满意度", "住院患者满意度", "医务人员满意度", "答卷数", "样本要求"):
		assert label in text, text
	screenshot(page, "survey-4-leader-indicators")
	page.context.close()

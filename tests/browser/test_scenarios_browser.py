"""The everyday scenarios of issue 13's "done when" that no other browser test walks through the UI:
the handler resolves, the officer closes with the complainant's feedback, the inspector exports, the
admin edits an SLA policy. Every page and dialog on the way is Chinese (no untranslated word, as
the language walk counts them). Screenshots go to test-output/screenshots/.
"""

import frappe
import pytest
from complaint_steps import act, in_state
from live import fresh, login, screenshot, wait_for_desk
from test_desk_ux_browser import _untranslated

from hsq_app.complaints import workflow as wf

pytestmark = pytest.mark.browser


def zh(text: str) -> str:
	return frappe._(text, "zh")


def _open(page, name: str):
	page.goto(f"/app/hsq-complaint/{name}")
	wait_for_desk(page)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === '{name}'")
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(500)


def _action(page, label: str):
	page.locator(".page-actions .actions-btn-group > button:visible").first.click()
	page.locator(".page-actions .actions-btn-group .dropdown-item", has_text=label).first.click()


def _in_chinese(prepare):
	"""Prepare records as a Chinese desk would (their ToDo and timeline texts are written then)."""
	lang, frappe.local.lang = frappe.local.lang, "zh"
	try:
		return prepare()
	finally:
		frappe.local.lang = lang


def _chinese(page, where: str, seen: dict):
	words = _untranslated(page)
	if words:
		seen[where] = words
		screenshot(page, f"scenario-english-{where}")


def test_the_handler_resolves_and_the_officer_closes_with_the_feedback(
	browser, live_server, web_users, cleanup
):
	w = web_users
	name = _in_chinese(lambda: in_state(w, wf.DISPATCHED))
	cleanup.append(name)
	_in_chinese(lambda: act(w.a.head1, name, "Accept", handler=w.a.handler1))
	frappe.db.commit()
	english: dict = {}

	# the handler starts, then submits the finding, the resolution and the reply for approval
	page = login(browser, live_server, w.a.handler1)
	_open(page, name)
	_chinese(page, "handler-form", english)
	_action(page, zh("Start"))
	page.wait_for_function("cur_frm.doc.workflow_state === 'In Progress'")
	page.wait_for_timeout(800)
	_action(page, zh("Submit for Approval"))
	dialog = page.locator(".modal.show")
	dialog.locator("[data-fieldname='resolution'] textarea").wait_for()
	_chinese(page, "submit-dialog", english)
	screenshot(page, "scenario-handler-submit-dialog")
	dialog.locator("[data-fieldname='finding'] select").select_option("Upheld")
	dialog.locator("[data-fieldname='resolution'] textarea").fill("已对当事护士批评教育，调整高峰排班")
	dialog.locator("[data-fieldname='reply_to_complainant'] textarea").fill(
		"您反映的问题属实，已整改，向您致歉"
	)
	dialog.locator(".btn-primary").first.click()
	page.locator(".alert-message", has_text=zh("Submit for Approval")).first.wait_for()
	page.wait_for_function("cur_frm.doc.workflow_state === 'Pending Approval'")
	assert fresh("HSQ Complaint", name, "finding") == "Upheld"
	page.context.close()

	_in_chinese(lambda: act(w.a.head1, name, "Approve"))
	frappe.db.commit()

	# the officer records the complainant's feedback and closes it
	page = login(browser, live_server, w.a.officer)
	_open(page, name)
	_chinese(page, "officer-resolved-form", english)
	_action(page, zh("Close"))
	dialog = page.locator(".modal.show")
	select = dialog.locator("[data-fieldname='complainant_feedback'] select")
	select.wait_for()
	_chinese(page, "close-dialog", english)
	screenshot(page, "scenario-officer-close-dialog")
	select.select_option("Satisfied")
	dialog.locator(".btn-primary").first.click()
	page.locator(".alert-message", has_text=zh("Close")).first.wait_for()
	page.wait_for_function("cur_frm.doc.workflow_state === 'Closed'")
	assert fresh("HSQ Complaint", name, "complainant_feedback") == "Satisfied"
	assert fresh("HSQ Complaint", name, "closed_at")
	screenshot(page, "scenario-officer-closed")
	page.context.close()
	assert not english, english


def test_the_inspector_exports_the_complaint_list(browser, live_server, web_users, cleanup):
	w = web_users
	name = _in_chinese(lambda: in_state(w, wf.RESOLVED))
	cleanup.append(name)
	frappe.db.commit()
	english: dict = {}
	page = login(browser, live_server, w.inspector)
	page.goto("/app/hsq-complaint/view/report")
	wait_for_desk(page)
	page.wait_for_function("() => window.cur_list && cur_list.doctype === 'HSQ Complaint' && cur_list.data")
	page.wait_for_load_state("networkidle")
	page.locator(".dt-row", has_text=name).first.wait_for()
	_chinese(page, "inspector-report-view", english)
	screenshot(page, "scenario-inspector-report-view")
	# 报表视图 → 菜单 → 导出
	page.locator(".page-head .menu-btn-group > button:visible").first.click()
	page.locator(".page-head .menu-btn-group .dropdown-item", has_text=zh("Export")).first.click()
	dialog = page.locator(".modal.show")
	dialog.locator("[data-fieldname='file_format'] select").first.wait_for()
	_chinese(page, "export-dialog", english)
	screenshot(page, "scenario-inspector-export-dialog")
	with page.expect_download(timeout=60_000) as download:
		dialog.locator(".btn-primary").first.click()
	path = download.value.path()
	assert path and open(path, "rb").read(2) == b"PK"  # an Excel workbook
	page.context.close()
	assert not english, english


def test_the_bureau_admin_edits_an_sla_policy(browser, live_server, web_users):
	w = web_users
	policy = frappe.get_all("HSQ SLA Policy", pluck="name", order_by="priority asc", limit=1)[0]
	before = frappe.db.get_value("HSQ SLA Policy", policy, "warn_at_percent")
	english: dict = {}
	page = login(browser, live_server, w.bureau_admin)
	try:
		page.goto(f"/app/hsq-sla-policy/{policy}")
		wait_for_desk(page)
		page.wait_for_function(f"cur_frm && cur_frm.doc.name === {policy!r}")
		page.wait_for_load_state("networkidle")
		_chinese(page, "sla-policy-form", english)
		screenshot(page, "scenario-admin-sla-policy")
		field = page.locator("[data-fieldname='warn_at_percent'] input").first
		field.fill(str(70 if before != 70 else 75))
		field.press("Tab")
		page.keyboard.press("Control+s")
		page.locator(".alert-message, .msgprint", has_text=zh("Saved")).first.wait_for()
		assert fresh("HSQ SLA Policy", policy, "warn_at_percent") in (70, 75)
		page.context.close()
	finally:
		frappe.db.rollback()
		frappe.db.set_value("HSQ SLA Policy", policy, "warn_at_percent", before)
		frappe.db.commit()
	assert not english, english

"""The product as its users see it, in headless Chromium: each role's landing page and the main paths.

Quality officer registers and dispatches; department head approves a closure; the inspector finds
the audit trail and nothing to edit; a patient files on /complaint and checks its status.
Screenshots of every step are written to test-output/screenshots/.
"""

import io
import random
import re
import unicodedata
from pathlib import Path

import frappe
import pytest
from live import fresh, login, new_page, screenshot, wait_for_desk, wait_for_workspace
from test_complaint_workflow import act, in_state

from hsq_app.complaints import workflow as wf

pytestmark = pytest.mark.browser


def zh(text: str) -> str:
	"""What the Chinese desk shows for a message (this test process itself runs in English)."""
	return frappe._(text, "zh")


ROLES = {
	"bureau_admin": lambda w: w.bureau_admin,
	"inspector": lambda w: w.inspector,
	"institution_admin": lambda w: w.a.admin,
	"quality_officer": lambda w: w.a.officer,
	"institution_leader": lambda w: w.a.leader,
	"department_head": lambda w: w.a.head1,
	"handler": lambda w: w.a.handler1,
	"follow_up_agent": lambda w: w.a.agent,
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_lands_on_a_chinese_desk(browser, live_server, web_users, role):
	page = login(browser, live_server, ROLES[role](web_users))
	wait_for_workspace(page)
	assert "/app" in page.url
	assert page.evaluate("frappe.boot.lang") == "zh"
	assert page.evaluate("frappe.session.user") == ROLES[role](web_users)
	screenshot(page, f"workspace-{role}")
	page.context.close()


def _pick_link(page, scope: str, fieldname: str, text: str):
	"""Type into a Link field and choose the suggestion, as a user does."""
	field = page.locator(f"{scope} [data-fieldname='{fieldname}'] input").first
	field.click()
	field.fill(text)
	option = f"{scope} [data-fieldname='{fieldname}'] [role='listbox'] [role='option']"
	page.locator(option, has_text=text).first.click()
	page.wait_for_load_state("networkidle")  # the link is validated with the server


def _action(page, label: str):
	page.locator(".page-actions .actions-btn-group > button:visible").first.click()
	page.locator(".page-actions .actions-btn-group .dropdown-item", has_text=label).first.click()


def test_quality_officer_registers_and_dispatches(browser, live_server, web_users, cleanup):
	w = web_users
	page = login(browser, live_server, w.a.officer)
	page.goto("/app/hsq-complaint/new")
	wait_for_desk(page)
	page.wait_for_selector(".frappe-control[data-fieldname='description'] textarea")
	page.locator("[data-fieldname='channel'] select").select_option("Hotline")
	received = page.locator("[data-fieldname='received_at'] input").first
	received.fill(frappe.utils.now_datetime().strftime("%Y-%m-%d %H:%M:%S"))
	received.press("Escape")
	if not page.evaluate("cur_frm.doc.institution"):
		_pick_link(page, "", "institution", w.a.institution)
	page.locator("[data-fieldname='complainant_name'] input").fill("王五")
	page.locator("[data-fieldname='complainant_phone'] input").fill("13900001111")
	page.locator("[data-fieldname='patient_name'] input").fill("王五")
	_pick_link(page, "", "category", zh("Waiting Time"))  # as the Chinese desk shows it
	page.locator("[data-fieldname='description'] textarea").fill("门诊排队两小时无人引导")
	page.locator("[data-fieldname='demands'] textarea").fill("改进导诊")
	screenshot(page, "officer-1-new-complaint")
	page.keyboard.press("Control+s")
	page.wait_for_url(re.compile(r".*/app/hsq-complaint/TS-.*"))
	name = page.evaluate("cur_frm.doc.name")
	cleanup.append(name)
	assert fresh("HSQ Complaint", name, "workflow_state") == wf.REGISTERED
	page.wait_for_selector(".page-actions .actions-btn-group:visible")
	screenshot(page, "officer-2-registered")

	_action(page, zh("Dispatch"))
	dialog = page.locator(".modal.show")
	dialog.locator("[data-fieldname='department'] input").wait_for()
	screenshot(page, "officer-3-dispatch-dialog")
	_pick_link(page, ".modal.show", "department", "内科")
	page.wait_for_function(f"cur_dialog && cur_dialog.get_value('department') === '{w.a.dept1}'")
	dialog.locator(".btn-primary").first.click()
	page.wait_for_function("cur_frm.doc.workflow_state === 'Dispatched'")
	assert fresh("HSQ Complaint", name, "workflow_state") == wf.DISPATCHED
	assert fresh("HSQ Complaint", name, "department") == w.a.dept1
	screenshot(page, "officer-4-dispatched")
	page.context.close()


def test_department_head_approves_a_closure(browser, live_server, web_users, cleanup):
	w = web_users
	name = in_state(w, wf.PENDING_APPROVAL)
	cleanup.append(name)
	frappe.db.commit()  # prepared through the API; the web server reads it from its own connection
	page = login(browser, live_server, w.a.head1)
	wait_for_workspace(page)
	screenshot(page, "head-1-landing")
	page.goto(f"/app/hsq-complaint/{name}")
	wait_for_desk(page)
	page.wait_for_selector(".page-actions .actions-btn-group:visible")
	screenshot(page, "head-2-pending-approval")
	_action(page, zh("Approve"))
	page.wait_for_function("cur_frm.doc.workflow_state === 'Resolved'")
	assert fresh("HSQ Complaint", name, "workflow_state") == wf.RESOLVED
	screenshot(page, "head-3-approved")
	page.context.close()


def test_inspector_finds_the_audit_trail_and_nothing_to_edit(browser, live_server, web_users, cleanup):
	w = web_users
	name = in_state(w, wf.RESOLVED)
	act(w.a.officer, name, "Close", complainant_feedback="Satisfied")
	cleanup.append(name)
	frappe.db.commit()
	page = login(browser, live_server, w.inspector)

	# the complaint form: read-only, no workflow actions, no save; the audit trail button is there
	page.goto(f"/app/hsq-complaint/{name}")
	wait_for_desk(page)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === '{name}'")
	button = page.locator(".page-actions button", has_text=zh("Audit Trail"))
	button.wait_for()
	screenshot(page, "inspector-1-complaint-form")
	assert page.locator(".page-actions .actions-btn-group:visible").count() == 0
	assert page.locator(".page-actions .primary-action:visible").count() == 0
	assert not page.evaluate("cur_frm.perm[0].write")
	assert page.evaluate("cur_frm.fields_dict.description.get_status()") == "Read"
	assert page.locator("[data-fieldname='description'] textarea:visible").count() == 0

	# the audit page: the history, and no edit control
	button.click()
	page.wait_for_url(f"**/app/complaint-audit/{name}")
	page.wait_for_selector(f".hsq-audit-summary[data-complaint='{name}']")
	screenshot(page, "inspector-2-audit-trail")
	transitions = page.locator("#hsq-audit-transitions tbody tr")
	assert transitions.count() == 7  # registered + 6 moves to Closed
	assert page.locator("#hsq-audit-access-log tbody tr").count() >= 1
	for label in ("Edit", "Save", "Delete", "编辑", "保存", "删除"):
		assert page.locator(f"button:visible:text-is('{label}')").count() == 0, label
	assert page.locator(".page-actions .primary-action:visible").count() == 0
	assert page.locator(".hsq-audit textarea, .hsq-audit input, .hsq-audit button").count() == 0
	page.context.close()


def test_print_handling_record_as_pdf_over_http(browser, live_server, web_users, cleanup):
	"""The desk's PDF download: wkhtmltopdf renders the record with Chinese text on the served site."""
	import shutil

	if not shutil.which("wkhtmltopdf"):
		pytest.skip("wkhtmltopdf is not installed")
	from pypdf import PdfReader

	w = web_users
	name = in_state(w, wf.RESOLVED)
	act(w.a.officer, name, "Close", complainant_feedback="Satisfied")
	cleanup.append(name)
	frappe.db.commit()
	page = login(browser, live_server, w.a.officer)
	page.goto(f"/printview?doctype=HSQ%20Complaint&name={name}&format=Complaint%20Handling%20Record")
	page.wait_for_selector(".hsq-chr")
	screenshot(page, "officer-5-print-view")
	response = page.context.request.get(
		"/api/method/frappe.utils.print_format.download_pdf",
		params={"doctype": "HSQ Complaint", "name": name, "format": "Complaint Handling Record"},
	)
	assert response.ok, response.text()[:500]
	body = response.body()
	assert body[:4] == b"%PDF"
	text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
	text = unicodedata.normalize("NFKC", "".join(text.split()))
	assert "医疗服务投诉处理登记表" in text and "护士态度差" in text
	page.context.close()


def test_patient_files_on_the_public_page_and_checks_status(browser, live_server, web_users, cleanup):
	w = web_users
	ip = f"10.{random.randint(0, 250)}.{random.randint(0, 250)}.{random.randint(1, 250)}"
	page = new_page(browser, live_server, extra_http_headers={"X-Forwarded-For": ip})
	page.goto("/complaint")
	page.select_option("#institution", w.a.institution)
	page.fill("#description", "挂号窗口工作人员态度生硬")
	page.fill("#demands", "希望改进服务")
	page.fill("#complainant_name", "赵六")
	page.fill("#complainant_phone", "13700002222")
	screenshot(page, "patient-1-form")
	page.click("#hsq-complaint-form button[type=submit]")
	code = page.locator("#hsq-code")
	code.wait_for()
	tracking = code.inner_text().strip()
	frappe.db.rollback()
	name = frappe.db.get_value("HSQ Complaint", {"tracking_code": tracking}, "name")
	assert name
	cleanup.append(name)
	screenshot(page, "patient-2-tracking-code")
	page.fill("#tracking_code", tracking)
	page.click("#hsq-status-form button[type=submit]")
	status = page.locator("#hsq-status")
	status.wait_for(state="visible")
	page.wait_for_function("document.getElementById('hsq-status').innerText.length > 0")
	assert zh("Registered") in status.inner_text()  # the guest page speaks Chinese
	assert "13700002222" not in status.inner_text()
	screenshot(page, "patient-3-status")
	page.context.close()


def test_public_service_quality_page_on_a_phone(browser, live_server):
	page = new_page(browser, live_server)
	page.set_viewport_size({"width": 390, "height": 844})
	page.goto("/service-quality")
	page.wait_for_selector("#hsq-sq-months")
	assert page.locator("#hsq-sq-months tbody tr").count() == 12
	# nothing overflows the phone's width except inside the scrollable tables
	assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
	screenshot(page, "public-service-quality-phone")
	page.context.close()


def test_leader_drills_from_the_monthly_summary_to_the_complaints(browser, live_server, web_users, cleanup):
	"""Every figure of the bureau summary opens the records behind it, within the viewer's rights:
	hospital a's leader clicks a's "complaints received" and lands on a's list for the month."""
	from test_complaint_workflow import registered

	w = web_users
	mine = registered(w)
	cleanup.append(mine)
	frappe.db.commit()
	page = login(browser, live_server, w.a.leader)
	page.goto("/app/query-report/Monthly Bureau Summary")
	wait_for_desk(page)
	page.wait_for_selector(".dt-scrollable .dt-row", state="visible")
	page.wait_for_load_state("networkidle")
	screenshot(page, "summary-1-leader")
	assert page.locator(".dt-scrollable .dt-row").count() == 1  # only the leader's own hospital
	cell = page.locator(".dt-scrollable .dt-row").first.locator("a.hsq-drill").nth(1)  # received
	shown = int(cell.inner_text().strip())
	cell.click()
	page.wait_for_url("**/app/hsq-complaint?**")
	wait_for_desk(page)
	page.wait_for_function("() => cur_list && cur_list.data && !cur_list.list_view_settings_loading")
	page.wait_for_load_state("networkidle")
	screenshot(page, "summary-2-drilled-to-complaints")
	filters = page.evaluate("cur_list.filters.map((f) => [f[1], f[2]])")
	assert ["institution", "="] in filters and ["received_at", "Between"] in filters
	count = page.evaluate("frappe.db.count('HSQ Complaint', {filters: cur_list.get_filters_for_args()})")
	assert count == shown >= 1
	assert mine in page.evaluate("cur_list.data.map((d) => d.name)")
	page.context.close()

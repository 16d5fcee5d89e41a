"""The product as its users see it, in headless Chromium: each role's landing page and the main paths.

Quality officer registers and dispatches; department head approves a closure; the inspector finds
the audit trail and nothing to edit; a patient files on /complaint and checks its status.
Screenshots of every step are written to test-output/screenshots/.
"""

import io
import random
import re
import unicodedata

import frappe
import pytest
from complaint_steps import act, in_state
from live import fresh, login, new_page, screenshot, wait_for_desk, wait_for_workspace

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
	assert response.ok, response.text()[-3000:]
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
	from complaint_steps import registered

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


# what the list does with a drill-down link's query (frappe.route_options -> filters), then counts
COUNT_BEHIND_LINKS = """async () => {
	const out = [];
	for (const a of document.querySelectorAll(".dt-scrollable a.hsq-drill")) {
		const url = new URL(a.href);
		const slug = url.pathname.split("/")[2];
		const filters = [];
		for (const [field, text] of url.searchParams) {
			const value = text.startsWith("[") && text.endsWith("]") ? JSON.parse(text) : text;
			const [dt, fieldname] = field.includes(".") ? field.split(".") : [null, field];
			filters.push(Array.isArray(value) ? [dt, fieldname, value[0], value[1]] : [dt, fieldname, "=", value]);
		}
		const cell = a.closest(".dt-cell");
		out.push({slug, filters, shown: a.innerText.trim(), col: cell.dataset.colIndex, row: cell.dataset.rowIndex});
	}
	return out;
}"""


SLUGS = {
	"hsq-complaint": "HSQ Complaint",
	"hsq-follow-up": "HSQ Follow Up",
	"hsq-discharge-record": "HSQ Discharge Record",
}


def _check_drill_links(page, report: str, fields: list[str]) -> set[str]:
	"""Open the report; for each linked figure in `fields`, count what its link opens (as the list
	would filter it, with the viewer's permissions) and compare. Returns the fields checked."""
	page.goto(f"/app/query-report/{report}")
	wait_for_desk(page)
	page.wait_for_selector(".dt-scrollable .dt-row", state="visible")
	page.wait_for_load_state("networkidle")
	links = page.evaluate(COUNT_BEHIND_LINKS)
	fieldnames = page.evaluate("frappe.query_report.columns.map((c) => c.fieldname)")
	checked = set()
	for link in links:
		field = fieldnames[int(link["col"]) - 1]  # the datatable's first column is the row number
		shown = link["shown"].replace(",", "")
		if field not in fields or not shown.replace(".", "").isdigit():
			continue
		doctype = SLUGS[link["slug"]]
		count = page.evaluate(
			"([doctype, filters]) => frappe.xcall('frappe.client.get_count', {doctype, filters})",
			[doctype, [[f[0] or doctype, *f[1:]] for f in link["filters"]]],
		)
		if "." in shown:  # an average or a rate: its records exist
			assert count > 0, (field, link)
		else:
			assert count == int(shown), (field, link)
		checked.add(field)
	screenshot(page, f"drill-{frappe.scrub(report)}")
	return checked


@pytest.mark.parametrize(
	"report, user_key, fields",
	[
		("SLA Compliance", "bureau_admin", ["total", "met", "late", "overdue", "open_on_time", "escalated"]),
		("Monthly Bureau Summary", "leader", ["received", "closed", "upheld", "escalated"]),
	],
)
def test_every_figure_counts_the_records_it_opens(
	browser, live_server, web_users, cleanup, report, user_key, fields
):
	"""Each figure's link opens a list with exactly that many records, for the viewer."""
	from complaint_steps import registered

	w = web_users
	closed = in_state(w, wf.RESOLVED)
	act(w.a.officer, closed, "Close", complainant_feedback="Satisfied")
	cleanup += [closed, registered(w), in_state(w, wf.IN_PROGRESS)]
	frappe.db.commit()
	user = w.bureau_admin if user_key == "bureau_admin" else w.a[user_key]
	page = login(browser, live_server, user)
	checked = _check_drill_links(page, report, fields)
	assert checked >= set(fields[:2])
	page.context.close()


@pytest.fixture
def follow_ups_today(web_users):
	"""Three patients of hospital a discharged today, their first calls made (committed; removed
	afterwards, and the per-day cells recomputed)."""
	from factories import complete_follow_up, discharge_by_mrn, discharge_row, follow_ups_of

	from hsq_app.api.follow_up import import_discharges
	from hsq_app.follow_up import stats

	w = web_users
	today = frappe.utils.today()
	rows = [discharge_row(w.a.institution, w.a.dept1, today) for _n in range(3)]
	frappe.set_user(w.a.agent)
	import_discharges(rows)
	records = [discharge_by_mrn(w.a.institution, r["medical_record_no"]) for r in rows]
	follow_ups = [f.name for r in records for f in follow_ups_of(r)]
	first = [f.name for r in records for f in follow_ups_of(r) if f.stage_days == 0]
	complete_follow_up(first[0], 5, {"Fees": 3})
	complete_follow_up(first[1], 4, issue="出院带药说明不清")
	complete_follow_up(first[2], status="Unreachable")
	frappe.set_user("Administrator")
	frappe.db.commit()
	yield follow_ups
	frappe.db.rollback()
	frappe.db.delete("HSQ Follow Up Score", {"parent": ("in", follow_ups)})
	for dt, field in (("ToDo", "reference_name"), ("Version", "docname"), ("Comment", "reference_name")):
		frappe.db.delete(dt, {field: ("in", follow_ups + records)})
	frappe.db.delete("HSQ Follow Up", {"name": ("in", follow_ups)})
	frappe.db.delete("HSQ Discharge Record", {"name": ("in", records)})
	stats.rebuild(frappe.utils.add_days(today, -1), frappe.utils.add_days(today, 40))
	frappe.db.commit()


@pytest.mark.parametrize(
	"report, fields",
	[
		(
			"Follow Up Coverage",
			["discharged", "planned", "completed", "unreachable", "not_done", "issues_found"],
		),
		("Follow Up Satisfaction", ["responses", "overall", "dim_0", "dim_1", "dim_2"]),
	],
)
def test_follow_up_figures_count_the_records_they_open(
	browser, live_server, web_users, follow_ups_today, report, fields
):
	page = login(browser, live_server, web_users.a.leader)
	checked = _check_drill_links(page, report, fields)
	assert checked >= set(fields[:3])  # satisfaction: a dimension's link filters on its scores
	page.context.close()

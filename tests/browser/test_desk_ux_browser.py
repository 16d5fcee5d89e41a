"""The desk as a hospital quality office finds it (issue 13), in headless Chromium, role by role:
no dead ends (a complaint raised from a call reaches the officers, the head chooses the handler,
cards open what they count, ToDos open the complaint). Screenshots go to test-output/screenshots/.
"""

import random
import re

import frappe
import pytest
from complaint_steps import in_state, registered
from live import fresh, login, screenshot, wait_for_desk, wait_for_workspace

from hsq_app.complaints import workflow as wf

pytestmark = pytest.mark.browser


def zh(text: str) -> str:
	"""What the Chinese desk shows for a message (this test process itself runs in English)."""
	return frappe._(text, "zh")


def _action(page, label: str):
	page.locator(".page-actions .actions-btn-group > button:visible").first.click()
	page.locator(".page-actions .actions-btn-group .dropdown-item", has_text=label).first.click()


def _open_todos(name: str) -> set[str]:
	frappe.db.rollback()
	return set(
		frappe.get_all(
			"ToDo",
			filters={"reference_type": "HSQ Complaint", "reference_name": name, "status": "Open"},
			pluck="allocated_to",
		)
	)


def _refused_requests(page) -> list:
	"""Requests the page made that the server refused (a side panel asking for what the user may
	not read shows a permission error)."""
	refused = []
	page.on("response", lambda r: refused.append((r.status, r.url)) if r.status in (403, 417) else None)
	return refused


def _open_form(page, name: str):
	page.goto(f"/app/hsq-complaint/{name}")
	wait_for_desk(page)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === '{name}'")
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(500)


def _prepared(w, target: str, cleanup) -> str:
	"""A complaint of hospital a walked to `target` (committed: the web server reads it)."""
	name = in_state(w, target)
	cleanup.append(name)
	frappe.db.commit()
	return name


def _form_as(browser, live_server, user: str, name: str):
	page = login(browser, live_server, user)
	_open_form(page, name)
	return page


@pytest.fixture
def discharged(web_users, cleanup):
	"""A patient of hospital a discharged today with their follow-ups (committed; removed afterwards,
	with any complaint raised from them and the per-day cells recomputed)."""
	from factories import discharge_by_mrn, discharge_row, follow_ups_of

	from hsq_app.api.follow_up import import_discharges
	from hsq_app.follow_up import stats

	w = web_users
	today = frappe.utils.today()
	row = discharge_row(w.a.institution, w.a.dept1, today)
	frappe.set_user(w.a.agent)
	import_discharges([row])
	frappe.set_user("Administrator")
	record = discharge_by_mrn(w.a.institution, row["medical_record_no"])
	follow_ups = [f.name for f in follow_ups_of(record)]
	frappe.db.commit()
	yield follow_ups
	frappe.db.rollback()
	cleanup += [
		c for c in frappe.get_all("HSQ Follow Up", {"name": ("in", follow_ups)}, pluck="complaint") if c
	]
	frappe.db.delete("HSQ Follow Up Score", {"parent": ("in", follow_ups)})
	for dt, field in (("ToDo", "reference_name"), ("Version", "docname"), ("Comment", "reference_name")):
		frappe.db.delete(dt, {field: ("in", [*follow_ups, record])})
	frappe.db.delete("HSQ Follow Up", {"name": ("in", follow_ups)})
	frappe.db.delete("HSQ Discharge Record", {"name": record})
	stats.rebuild(frappe.utils.add_days(today, -1), frappe.utils.add_days(today, 40))
	frappe.db.commit()


@pytest.fixture
def call_with_issue(web_users, discharged):
	"""The first call of a discharged patient, which found an issue (committed)."""
	from factories import complete_follow_up

	frappe.set_user(web_users.a.agent)
	complete_follow_up(discharged[0], 2, issue="出院时护士未交代用药注意事项")
	frappe.set_user("Administrator")
	frappe.db.commit()
	return discharged[0]


# --- 1. a complaint raised from a follow-up call --------------------------------------------------


def test_a_complaint_raised_from_a_call_reaches_the_quality_officers(
	browser, live_server, web_users, call_with_issue, cleanup
):
	w = web_users
	page = login(browser, live_server, w.a.agent)
	refused = _refused_requests(page)
	page.goto(f"/app/hsq-follow-up/{call_with_issue}")
	wait_for_desk(page)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === '{call_with_issue}'")
	page.locator(".page-actions button", has_text=zh("Turn into Complaint")).click()
	page.wait_for_function("cur_frm.doc.complaint")
	name = page.evaluate("cur_frm.doc.complaint")
	cleanup.append(name)
	screenshot(page, "ux-1-agent-raised-complaint")
	# the institution's quality officers have it in their worklist; the agent, who cannot act, not
	assert _open_todos(name) == {w.a.officer}
	# the agent opens it: no permission error for a side panel
	page.locator(".page-actions button", has_text=zh("View Complaint")).click()
	_wait_for_complaint_route(page, name)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === '{name}'")
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(800)
	screenshot(page, "ux-1-agent-opens-complaint")
	assert not refused, refused
	assert page.locator(".modal.show .msgprint:visible").count() == 0
	page.context.close()

	# the officer finds it in 我的待办, and the ToDo opens the complaint
	page = login(browser, live_server, w.a.officer)
	page.goto("/app/todo")
	wait_for_desk(page)
	page.wait_for_function("() => window.cur_list && cur_list.doctype === 'ToDo' && cur_list.data")
	page.wait_for_load_state("networkidle")
	row = page.locator(".list-row-container", has_text=name).first
	row.wait_for()
	row.locator(".list-subject").click()
	_wait_for_complaint_route(page, name)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === '{name}'")
	page.context.close()


def _wait_for_complaint_route(page, name):
	"""The desk's router shows the complaint (its address, set by the router with pushState; a CI
	run once missed that navigation event in wait_for_url while the form had opened)."""
	page.wait_for_function(
		"name => decodeURIComponent(location.pathname).endsWith('/app/hsq-complaint/' + name)", arg=name
	)


# --- 2. the head chooses the handler on 受理 --------------------------------------------------------


def test_the_head_chooses_the_handler_when_accepting(browser, live_server, web_users, cleanup):
	w = web_users
	name = _prepared(w, wf.DISPATCHED, cleanup)
	page = _form_as(browser, live_server, w.a.head1, name)
	_action(page, zh("Accept"))
	dialog = page.locator(".modal.show")
	select = dialog.locator("[data-fieldname='handler'] select")
	select.wait_for()
	screenshot(page, "ux-2-accept-dialog")
	options = select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
	assert w.a.handler1 in options and w.a.handler2 not in options  # the department's handlers only
	select.select_option(w.a.handler1)
	dialog.locator(".btn-primary").first.click()
	# the action says what happened, in Chinese (the alert comes first and lasts 7 s; the form's
	# reload after it can take longer than that on a busy machine)
	alert = page.locator(".alert-message", has_text=zh("Accepted"))
	alert.first.wait_for()
	page.wait_for_function("cur_frm.doc.workflow_state === 'Accepted'")
	assert fresh("HSQ Complaint", name, "handler") == w.a.handler1
	assert _open_todos(name) == {w.a.handler1}
	# the handler field stays on the form
	page.wait_for_function("cur_frm.fields_dict.handler.$wrapper.is(':visible')")
	screenshot(page, "ux-2-accepted")
	page.context.close()

	# the handler's worklist shows it at once, and opens the complaint
	page = login(browser, live_server, w.a.handler1)
	page.goto("/app/todo")
	wait_for_desk(page)
	page.wait_for_function("() => window.cur_list && cur_list.doctype === 'ToDo' && cur_list.data")
	page.wait_for_load_state("networkidle")
	statuses = page.evaluate("cur_list.data.map((d) => d.status)")
	assert set(statuses) == {"Open"}, statuses  # no cancelled or closed ToDos
	# the ToDo opens the complaint; a click that lands while the list redraws (a realtime update
	# from another test's job) is lost, so the user clicks again, as a person would
	from playwright.sync_api import TimeoutError as PlaywrightTimeout

	opened = "(n) => { const r = frappe.get_route(); return r[0] === 'Form' && r[1] === 'HSQ Complaint' && r[2] === n; }"
	for _attempt in range(3):
		page.locator(".list-row-container", has_text=name).first.locator(".list-subject").click()
		try:
			page.wait_for_function(opened, arg=name, timeout=15_000)
			break
		except PlaywrightTimeout:
			continue
	assert page.evaluate(opened, name), page.url
	page.context.close()


# --- 3. cards and the lists they open agree -------------------------------------------------------

CARD = ".widget.number-widget-box"


def _cards(page) -> list[str]:
	return page.locator(f"{CARD} .widget-title").evaluate_all("(ts) => ts.map((t) => t.innerText.trim())")


COUNT_SHOWN_LIST = """() => Promise.race([
	frappe.db.count(cur_list.doctype, {filters: cur_list.get_filters_for_args()}),
	new Promise((resolve, reject) => setTimeout(() => reject(new Error("count timed out")), 30000)),
])"""


def _check_card(page, title: str):
	card = page.locator(CARD, has=page.locator(".widget-title", has_text=title)).first
	shown = card.locator(".number").first.inner_text().strip().replace(",", "")
	if not shown.isdigit():  # a rate (a custom card opening its report)
		return None
	card.locator(".number").first.click()
	# the list has drawn its rows and its own count ("第1项 / 共N项")
	page.wait_for_function(
		"() => frappe.get_route()[0] === 'List' && window.cur_list && document.querySelector('.list-count span')"
	)
	wait_for_desk(page)
	page.wait_for_timeout(1000)
	page.wait_for_load_state("networkidle")
	return int(shown), page.evaluate(COUNT_SHOWN_LIST)


@pytest.mark.parametrize("user_key", ["officer", "head1", "handler1"])
def test_every_card_opens_a_list_of_as_many_records(browser, live_server, web_users, cleanup, user_key):
	w = web_users
	mine = in_state(w, wf.ACCEPTED)  # the handler's (and the head's department's)
	cleanup += [mine, in_state(w, wf.DISPATCHED), registered(w), in_state(w, wf.PENDING_APPROVAL)]
	frappe.db.commit()
	page = login(browser, live_server, w.a[user_key])
	wait_for_workspace(page)
	titles = _cards(page)
	assert titles, "the landing workspace has number cards"
	checked = []
	for title in titles:
		page.goto("/app")
		wait_for_workspace(page)
		result = _check_card(page, title)
		if result is None:
			continue
		shown, count = result
		screenshot(page, f"ux-3-{user_key}-{frappe.scrub(title)}")
		assert shown == count, (title, shown, count)
		checked.append(title)
	assert checked
	page.context.close()


# --- 6. registration ------------------------------------------------------------------------------

HANDLING_FIELDS = ("finding", "resolution", "reply_to_complainant", "complainant_feedback", "return_reason")


def _visible(page, field: str) -> bool:
	return page.evaluate(f"cur_frm.fields_dict.{field}.$wrapper.is(':visible')")


def test_the_officer_registers_with_defaults_checks_and_only_registration_fields(
	browser, live_server, web_users, cleanup
):
	w = web_users
	page = login(browser, live_server, w.a.officer)
	page.goto("/app/hsq-complaint/new")
	wait_for_desk(page)
	page.wait_for_selector(".frappe-control[data-fieldname='description'] textarea")
	page.wait_for_timeout(500)
	# 医疗机构 is the officer's own; the channel offers a plain 电话
	assert page.evaluate("cur_frm.doc.institution") == w.a.institution
	channels = page.locator("[data-fieldname='channel'] select option").evaluate_all(
		"(os) => os.map((o) => o.textContent.trim())"
	)
	assert zh("Phone") == "电话" and "电话" in channels, channels
	# registering shows what registering needs, no handling fields, no naming-series internals
	for field in ("channel", "complainant_phone", "category", "description", "demands"):
		assert _visible(page, field), field
	for field in (*HANDLING_FIELDS, "naming_series"):
		assert not _visible(page, field), field
	screenshot(page, "ux-6-register")
	page.locator("[data-fieldname='channel'] select").select_option("Phone")
	page.locator("[data-fieldname='complainant_name'] input").fill("王五")
	page.locator("[data-fieldname='patient_name'] input").fill("王五")
	page.locator("[data-fieldname='category'] input").fill(zh("Waiting Time"))
	page.locator(
		"[data-fieldname='category'] [role='listbox'] [role='option']", has_text=zh("Waiting Time")
	).first.click()
	page.locator("[data-fieldname='description'] textarea").fill("门诊排队两小时无人引导，分诊台无人")
	# not a Chinese phone number: refused before saving, in Chinese
	page.locator("[data-fieldname='complainant_phone'] input").fill("12345")
	page.keyboard.press("Control+s")
	page.locator(".modal.show .msgprint", has_text="12345").wait_for()
	screenshot(page, "ux-6-bad-phone")
	page.locator(".modal.show .btn-modal-close").first.click()
	page.locator("[data-fieldname='complainant_phone'] input").fill("0571-87654321")
	page.keyboard.press("Control+s")
	page.wait_for_url(re.compile(r".*/app/hsq-complaint/TS-.*"))
	name = page.evaluate("cur_frm.doc.name")
	cleanup.append(name)
	# the saved form's title says which case it is, the surname only
	title = page.locator(".page-head .title-text").first.inner_text()
	assert "王*" in title and "门诊排队" in title and "王五" not in title, title
	assert fresh("HSQ Complaint", name, "channel") == "Phone"
	screenshot(page, "ux-6-registered")
	page.context.close()


def test_the_officer_cannot_edit_an_approved_finding(browser, live_server, web_users, cleanup):
	w = web_users
	name = _prepared(w, wf.RESOLVED, cleanup)
	page = _form_as(browser, live_server, w.a.officer, name)
	assert page.evaluate("cur_frm.fields_dict.finding.get_status()") == "Read"
	assert page.evaluate("cur_frm.fields_dict.resolution.get_status()") == "Read"
	assert page.evaluate("cur_frm.fields_dict.complainant_feedback.get_status()") == "Write"
	screenshot(page, "ux-6-resolved-officer")
	page.context.close()


# --- 5. list titles and the quick search ---------------------------------------------------------


def test_the_list_tells_cases_apart_and_finds_one_by_phone(browser, live_server, web_users, cleanup):
	w = web_users
	phone = f"139{random.randint(10_000_000, 99_999_999)}"
	mine = registered(
		w, complainant_name="赵小六", complainant_phone=phone, description="急诊科医生问诊不耐烦"
	)
	other = registered(w)
	cleanup += [mine, other]
	frappe.db.commit()
	code = frappe.db.get_value("HSQ Complaint", mine, "tracking_code")
	page = login(browser, live_server, w.a.officer)
	page.goto(
		f"/app/hsq-complaint?workflow_state=Registered&institution={w.a.institution}"
	)  # not last filters
	wait_for_desk(page)
	page.wait_for_function("() => window.cur_list && cur_list.data && cur_list.data.length")
	page.wait_for_load_state("networkidle")
	row = page.locator(".list-row-container", has_text="急诊科医生").first
	row.wait_for()
	text = row.inner_text()
	assert "赵**" in text and "赵小六" not in text, text
	# the full ID, not "TS-2026-00…"
	assert page.evaluate(
		"""(name) => [...document.querySelectorAll('.list-row-container')].some((r) => {
			const el = [...r.querySelectorAll('*')].find((e) => e.children.length === 0 && e.textContent.trim() === name);
			return el && el.offsetParent !== null && el.scrollWidth <= el.clientWidth + 1;
		})""",
		mine,
	), "full ID visible"
	screenshot(page, "ux-5-list")
	for lookup in (phone, code):
		field = page.locator(".page-form .hsq-lookup input")
		field.fill(lookup)
		field.press("Enter")
		page.wait_for_function(
			"(name) => cur_list.data.length === 1 && cur_list.data[0].name === name", arg=mine
		)
		field.fill("")
		field.press("Enter")
		page.wait_for_function("() => cur_list.data.length > 1")
	screenshot(page, "ux-5-found")
	page.context.close()


# --- 7. the 登记表 print ---------------------------------------------------------------------------


def test_the_form_prints_the_handling_record_by_default(browser, live_server, web_users, cleanup):
	w = web_users
	name = _prepared(w, wf.IN_PROGRESS, cleanup)
	page = _form_as(browser, live_server, w.a.officer, name)
	page.locator(".page-actions button", has_text=zh("Print Handling Record")).click()
	page.wait_for_url(re.compile(r".*/app/print/HSQ(%20| )Complaint/.*"))
	frame = page.frame_locator("iframe.print-format-container").first
	frame.locator(".hsq-chr").wait_for()  # the 登记表, not the Standard format
	selected = page.locator(".layout-side-section [data-fieldname='print_format'] input").first
	assert selected.input_value() == "Complaint Handling Record"
	screenshot(page, "ux-7-print-preview")
	# no format shows naming-series internals
	html = page.context.request.get(
		"/api/method/frappe.www.printview.get_html_and_style",
		params={"doc": "HSQ Complaint", "name": name, "print_format": "Standard"},
	).text()
	assert "TS-.YYYY.-" not in html and "naming_series" not in html
	page.context.close()


# --- 8. the follow-up call form -------------------------------------------------------------------


def test_the_agent_scores_a_call_with_one_click_each(browser, live_server, web_users, discharged):
	w = web_users
	name = discharged[0]
	page = login(browser, live_server, w.a.agent)
	page.goto(f"/app/hsq-follow-up/{name}")
	wait_for_desk(page)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === '{name}'")
	page.wait_for_selector(".hsq-score-row")
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(500)
	# nothing changed yet: not "Not Saved"
	assert not page.evaluate("cur_frm.is_dirty()")
	assert zh("Not Saved") not in page.locator(".page-head").inner_text()
	screenshot(page, "ux-8-call-form")
	rows = page.locator(".hsq-score-row")
	assert rows.count() >= 3  # overall and the questionnaire's dimensions
	for i in range(rows.count()):
		rows.nth(i).locator("button[data-score='4']").click()
		rows.nth(i).locator("button[data-score='4'].btn-primary").wait_for()
	page.locator(".page-actions .inner-group-button button", has_text=zh("Call Outcome")).click()
	page.locator(
		".page-actions .inner-group-button .dropdown-item", has_text=zh("Call Completed")
	).first.click()
	page.wait_for_function("!cur_frm.is_dirty() && cur_frm.doc.status === 'Completed'")
	screenshot(page, "ux-8-call-completed")
	assert fresh("HSQ Follow Up", name, "status") == "Completed"
	assert fresh("HSQ Follow Up", name, "overall_satisfaction") == 4
	scores = frappe.get_all("HSQ Follow Up Score", {"parent": name}, pluck="score")
	assert scores and set(scores) == {4}
	page.context.close()


# --- 10. the language walk ------------------------------------------------------------------------

# Latin-letter words a Chinese desk may show: codes, units, names of systems and formats
ALLOWED_WORDS = {
	*("SLA", "PDCA", "HIS", "SMS", "QR", "PDF", "Excel", "CSV", "ID", "IP", "API", "URL", "WeChat"),
	*("VIP", "A4", "MB", "Email", "OK", "CT", "MRI", "ICU", "HSQ", "Ctrl", "Administrator", "Frappe"),
}
# what is not a word: addresses, record names, codes, numbers with units, an SMS template's
# placeholders ({{ institution }})
NOT_WORDS = re.compile(
	r"\S+@\S+|https?://\S+|/\S*|X-Forwarded-For|Asia/Shanghai|\{\{[^{}]*\}\}"
	r"|(?<![A-Za-z0-9])(?:u[a-z0-9]{6}|[a-z0-9]{10})(?![A-Za-z0-9])"  # test user ids, hash names
	r"|\b[A-Z]{2,4}-(?:\d{4}-)?\d+\b"  # record names: TS-2026-00012, STF-00172
	r"|\b[A-Z0-9]{8,}\b|\b\d+[a-zA-Z]{1,3}\b|#\w+"
	r"|(?<=[\u4e00-\u9fff])[a-z0-9]{4,8}\b"  # the test world's names: 医院amljbgy, 员工u0bnai
	r"|(?<=[\u4e00-\u9fff])[a-z0-9]{1,8}(?=\s*(?:\.\.\.|…))"  # the same, cut short by a crowded chart axis: 医院aa ...
	r"|\b(?=[a-z]*\d)[a-z0-9]{4,10}\b"  # its user ids: umw3xrt, 5rhs66
)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")

VISIBLE_TEXT = """() => {
	const out = [];
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	let node;
	while ((node = walker.nextNode())) {
		const el = node.parentElement;
		if (!el || ["SCRIPT", "STYLE", "NOSCRIPT", "TEXTAREA", "CODE", "PRE"].includes(el.tagName)) continue;
		if (el.closest(".hidden, [hidden], .ql-editor, .frappe-control[data-fieldtype='Code']")) continue;
		if (el.closest(".sr-only, .visually-hidden")) continue;
		if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
		const rect = el.getBoundingClientRect();
		if (!rect.width || !rect.height) continue;
		const text = node.textContent.trim();
		if (text) out.push(text);
	}
	for (const el of document.querySelectorAll("input[placeholder]:not([type=hidden])")) {
		if (el.offsetParent !== null && el.placeholder) out.push(el.placeholder);
	}
	return out;
}"""


def _untranslated(page) -> dict[str, str]:
	"""Untranslated words on the page, each with the text it was seen in."""
	words = {}
	for text in page.evaluate(VISIBLE_TEXT):
		for word in LATIN_WORD.findall(NOT_WORDS.sub(" ", text)):
			if word not in ALLOWED_WORDS and word.upper() not in ALLOWED_WORDS:
				words.setdefault(word, text[:100])
	return words


def _settle(page):
	"""The page drawn and quiet; a timeout says which page and what failed under it."""
	from playwright.sync_api import TimeoutError as PlaywrightTimeout

	seen = len(page.hsq_failures)
	try:
		wait_for_desk(page)
		page.wait_for_load_state("networkidle")
	except PlaywrightTimeout:
		raise AssertionError(
			f"{page.url} did not settle: {page.hsq_failures[seen:] or 'no request failed'}"
		) from None
	page.wait_for_timeout(700)


WALK_ROLES = {
	"quality_officer": lambda w: w.a.officer,
	"handler": lambda w: w.a.handler1,
	"institution_leader": lambda w: w.a.leader,
	"follow_up_agent": lambda w: w.a.agent,
	"department_head": lambda w: w.a.head1,
	"bureau_inspector": lambda w: w.inspector,
	"bureau_admin": lambda w: w.bureau_admin,
	"institution_admin": lambda w: w.a.admin,
}
MAX_PAGES = 40


def _workspace_links(page) -> list[str]:
	hrefs = page.evaluate(
		"""() => [...document.querySelectorAll('.layout-main-section a[href^="/app/"]')]
			.filter((a) => a.offsetParent !== null).map((a) => a.getAttribute('href').split('?')[0])"""
	)
	return list(dict.fromkeys(h for h in hrefs if "/new" not in h))


@pytest.mark.parametrize("role", list(WALK_ROLES))
def test_the_desk_speaks_chinese_everywhere_a_role_looks(browser, live_server, web_users, cleanup, role):
	"""Every workspace, list, form and report a role reaches from its workspaces shows no Latin
	word that is not a code or a name (ALLOWED_WORDS)."""
	w = web_users
	lang, frappe.local.lang = frappe.local.lang, "zh"  # as a Chinese desk records its history
	try:
		cleanup += [in_state(w, wf.IN_PROGRESS), registered(w)]
	finally:
		frappe.local.lang = lang
	frappe.db.commit()
	page = login(browser, live_server, WALK_ROLES[role](w))
	wait_for_workspace(page)
	found: dict[str, dict[str, str]] = {}
	pages = page.evaluate(
		"frappe.boot.allowed_workspaces.map((w) => '/app/' + frappe.router.slug(w.title || w.name))"
	)
	seen, visited = set(), 0
	while pages and visited < MAX_PAGES:
		url = pages.pop(0)
		if url in seen:
			continue
		seen.add(url)
		page.goto(url)
		_settle(page)
		visited += 1
		if page.evaluate("!!document.querySelector('.workspace-skeleton, .codex-editor')"):
			wait_for_workspace(page)
			pages += _workspace_links(page)
		elif page.evaluate(
			"!!(window.cur_list && cur_list.doctype && location.pathname.includes(frappe.router.slug(cur_list.doctype)))"
		):
			first = page.evaluate("(cur_list.data || []).map((d) => d.name)[0] || null")
			if first:
				pages.append(f"{url}/{first}")
		words = _untranslated(page)
		if words:
			found[url] = words
			screenshot(page, f"ux-10-{role}-{visited}")
	page.context.close()
	report = "\n".join(
		f"{url}: {word!r} in {text!r}" for url, ws in found.items() for word, text in ws.items()
	)
	assert not found, f"untranslated words:\n{report}"

"""Chinese where the language walk does not look (issue 13, item 10), in headless Chromium: the login
page and its error, the user menu, the help menu and its keyboard shortcuts, the list's filter bar,
the export dialogs, the workflow's read-only toast, a follow-up's status (待回访) and the SMS
templates' names. Screenshots go to test-output/screenshots/.
"""

import frappe
import pytest
from complaint_steps import in_state
from live import PASSWORD, login, new_page, screenshot, wait_for_desk
from test_desk_ux_browser import ALLOWED_WORDS, LATIN_WORD, NOT_WORDS

from hsq_app.complaints import workflow as wf

pytestmark = pytest.mark.browser

# the visible text under the elements `selector` matches (a dialog, a menu, a bar)
VISIBLE_TEXT_IN = """(selector) => {
	const out = [];
	for (const root of document.querySelectorAll(selector)) {
		const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
		let node;
		while ((node = walker.nextNode())) {
			const el = node.parentElement;
			if (!el || ["SCRIPT", "STYLE", "NOSCRIPT", "CODE", "PRE"].includes(el.tagName)) continue;
			if (el.closest(".hidden, [hidden], .sr-only, .visually-hidden")) continue;
			if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
			const text = node.textContent.trim();
			if (text) out.push(text);
		}
		for (const el of root.querySelectorAll("input[placeholder], textarea[placeholder]")) {
			if (el.offsetParent !== null && el.placeholder) out.push(el.placeholder);
		}
	}
	return out;
}"""


def zh(text: str) -> str:
	return frappe._(text, "zh")


# the keys a shortcut names (Alt+S, Shift+Ctrl+F) are codes
KEYS = {"Alt", "Shift", "Esc", "Enter", "Tab", "Cmd", "Meta", "Space"}


def _english(page, selector: str = "body") -> dict[str, str]:
	words = {}
	for text in page.evaluate(VISIBLE_TEXT_IN, selector):
		for word in LATIN_WORD.findall(NOT_WORDS.sub(" ", text)):
			if word not in ALLOWED_WORDS | KEYS and word.upper() not in ALLOWED_WORDS:
				words.setdefault(word, text[:100])
	return words


def _texts(page, selector: str) -> list[str]:
	return page.evaluate(VISIBLE_TEXT_IN, selector)


def test_the_login_page_and_its_error_are_chinese(browser, live_server, web_users):
	page = new_page(browser, live_server)
	page.goto("/login")
	page.wait_for_selector("#login_email")
	page.wait_for_load_state("networkidle")
	screenshot(page, "lang-10-login")
	assert not _english(page), _english(page)
	page.fill("#login_email", web_users.a.officer)
	page.fill("#login_password", PASSWORD + "-wrong")
	page.click(".btn-login")
	page.wait_for_timeout(1500)
	screenshot(page, "lang-10-login-refused")
	assert not _english(page), _english(page)
	page.context.close()


def test_the_user_menu_help_and_shortcuts_are_chinese(browser, live_server, web_users):
	page = login(browser, live_server, web_users.a.officer)
	page.locator(".dropdown-navbar-user > button").click()
	page.wait_for_selector("#toolbar-user", state="visible")
	screenshot(page, "lang-10-user-menu")
	assert not _english(page, "#toolbar-user"), _english(page, "#toolbar-user")
	page.keyboard.press("Escape")

	help_button = page.locator(".dropdown-help > button")
	if help_button.is_visible():
		help_button.click()
		page.wait_for_selector("#toolbar-help", state="visible")
		assert not _english(page, "#toolbar-help"), _english(page, "#toolbar-help")
		page.keyboard.press("Escape")

	page.evaluate("frappe.ui.keys.show_keyboard_shortcut_dialog()")
	page.wait_for_selector(".modal.show .modal-body", state="visible")
	page.wait_for_timeout(500)
	screenshot(page, "lang-10-shortcuts")
	assert not _english(page, ".modal.show"), _english(page, ".modal.show")
	page.context.close()


def test_the_filter_bar_and_export_dialogs_are_chinese(browser, live_server, web_users):
	w = web_users
	page = login(browser, live_server, w.inspector)
	page.goto("/app/hsq-complaint")
	wait_for_desk(page)
	page.wait_for_function("window.cur_list && cur_list.doctype === 'HSQ Complaint'")
	page.wait_for_load_state("networkidle")

	# the filter bar: its button, the popover, a new filter's field and condition
	page.locator(".filter-selector .filter-button").first.click()
	page.wait_for_selector(".filter-popover", state="visible")
	page.locator(".filter-popover .add-filter").first.click()
	page.wait_for_timeout(700)
	screenshot(page, "lang-10-filter-bar")
	english = {**_english(page, ".filter-popover"), **_english(page, ".page-form, .filter-section")}
	assert not english, english
	conditions = page.evaluate(
		"[...document.querySelectorAll('.filter-popover select.condition option')].map((o) => o.textContent.trim())"
	)
	assert zh("Equals") in conditions and "等号" not in conditions, conditions
	page.keyboard.press("Escape")

	# the complaint ledger's export dialog
	page.goto("/app/query-report/Complaint Ledger")
	wait_for_desk(page)
	page.wait_for_function("window.frappe && frappe.query_report && frappe.query_report.report_name")
	page.wait_for_load_state("networkidle")
	page.evaluate("frappe.query_report.export_report()")
	page.wait_for_selector(".modal.show .modal-body", state="visible")
	page.wait_for_timeout(500)
	screenshot(page, "lang-10-export-report")
	assert not _english(page, ".modal.show"), _english(page, ".modal.show")
	page.keyboard.press("Escape")
	page.context.close()


def test_a_read_only_form_says_so_in_chinese(browser, live_server, web_users, cleanup):
	"""The inspector reads a complaint its workflow locks: the toast says so in Chinese."""
	w = web_users
	name = in_state(w, wf.RESOLVED)
	cleanup.append(name)
	frappe.db.commit()
	page = login(browser, live_server, w.inspector)
	page.goto(f"/app/hsq-complaint/{name}")
	wait_for_desk(page)
	toast = zh("This form is not editable due to a Workflow.")
	assert toast != "This form is not editable due to a Workflow."
	page.locator("#alert-container").get_by_text(toast).first.wait_for(timeout=15_000)
	screenshot(page, "lang-10-workflow-toast")
	assert "Workflow" not in page.locator("#alert-container").inner_text()
	page.context.close()


def test_sms_template_names_and_a_pending_follow_up_are_chinese(browser, live_server, web_users):
	w = web_users
	page = login(browser, live_server, w.bureau_admin)
	page.goto("/app/hsq-sms-template")
	wait_for_desk(page)
	page.wait_for_function("window.cur_list && cur_list.doctype === 'HSQ SMS Template'")
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(500)
	screenshot(page, "lang-10-sms-templates")
	english = _english(page, ".layout-main-section")
	assert not english, english
	page.goto("/app/hsq-sms-template/Survey Invitation")
	wait_for_desk(page)
	page.wait_for_function("window.cur_frm && cur_frm.doc.name === 'Survey Invitation'")
	page.wait_for_timeout(700)
	screenshot(page, "lang-10-sms-template")
	english = _english(page, ".page-head, .layout-main-section")
	assert not english, english
	assert zh("Survey Invitation") in page.locator(".page-head .title-text").inner_text()
	page.context.close()

	# a pending follow-up's status reads 待回访 (the SLA extension's Pending stays 待处理)
	assert frappe._("Pending", "zh") != "待回访"
	page = login(browser, live_server, w.a.agent)
	page.goto("/app/hsq-follow-up?status=Pending")
	wait_for_desk(page)
	page.wait_for_function("window.cur_list && cur_list.doctype === 'HSQ Follow Up'")
	page.wait_for_load_state("networkidle")
	shown = page.evaluate(
		"""() => [__("Pending", null, "HSQ Follow Up"),
			$(frappe.form.formatters.Select("Pending", { parent: "HSQ Follow Up" })).text() ||
				frappe.form.formatters.Select("Pending", { parent: "HSQ Follow Up" })]"""
	)
	assert shown == ["待回访", "待回访"], shown
	page.context.close()


RESET_TOO_OFTEN = """async () => {
	let message = "";
	for (let i = 0; i < 8; i++) {
		const r = await fetch("/api/method/frappe.core.doctype.user.user.reset_password", {
			method: "POST",
			headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
			body: "user=" + encodeURIComponent("nobody-hsq-lang@example.com"),
		});
		if (r.status === 429) {
			const body = await r.json();
			message = JSON.parse(body._server_messages || "[]")
				.map((m) => JSON.parse(m).message)
				.join(" ");
			break;
		}
	}
	return message;
}"""


def test_the_rate_limit_message_is_chinese(browser, live_server):
	"""A guest asking too often for a password reset is told so in Chinese."""
	page = new_page(browser, live_server)
	page.goto("/login")
	page.wait_for_selector("#login_email")
	try:
		message = page.evaluate(RESET_TOO_OFTEN)
	finally:
		frappe.cache.delete_keys("rl:frappe.core.doctype.user.user.reset_password")
	assert message == zh("You hit the rate limit because of too many requests. Please try after sometime."), (
		message
	)
	assert "操作过于频繁" in message, message
	page.context.close()

"""Helpers of the browser tests: pages, logins, screenshots (fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import frappe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
]
PASSWORD = "Hsq@browser-2026"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TIMEOUT_MS = 45_000


def screenshot(page, name: str) -> Path:
	SCREENSHOTS.mkdir(parents=True, exist_ok=True)
	path = SCREENSHOTS / f"{name}.png"
	page.screenshot(path=str(path), full_page=True)
	return path


def new_page(browser, base_url: str, **context_kw):
	context = browser.new_context(
		base_url=base_url, viewport={"width": 1366, "height": 900}, locale="zh-CN", **context_kw
	)
	context.set_default_timeout(TIMEOUT_MS)
	page = context.new_page()
	record_failures(page)
	return page


def record_failures(page) -> None:
	"""Keep what went wrong under the page (server errors, failed requests, script errors) on
	``page.hsq_failures``, for a wait that times out to say why."""
	page.hsq_failures = failures = []
	page.on(
		"response",
		lambda r: r.status >= 500 and failures.append(f"{r.status} {r.request.method} {r.url}"),
	)
	page.on("requestfailed", lambda r: failures.append(f"failed {r.method} {r.url}: {r.failure}"))
	page.on("pageerror", lambda e: failures.append(f"script error: {e}"))


def login(browser, base_url: str, user: str):
	"""A page logged in to the desk as `user`, on the landing page."""
	page = new_page(browser, base_url)
	page.goto("/login")
	page.fill("#login_email", user)
	page.fill("#login_password", PASSWORD)
	page.click(".btn-login")
	page.wait_for_url("**/app**")
	wait_for_desk(page)
	return page


def wait_for_desk(page):
	page.wait_for_function("() => window.frappe && frappe.boot && frappe.container && frappe.container.page")
	page.wait_for_load_state("networkidle")


def wait_for_workspace(page):
	"""The landing workspace with its blocks and number cards drawn (not its loading skeleton).

	A widget whose request was lost (nothing failed under the page, it simply never answered) is
	given one reload; a server or script error fails at once, with what went wrong."""
	from playwright.sync_api import TimeoutError as PlaywrightTimeout

	seen = len(getattr(page, "hsq_failures", []))
	try:
		_wait_for_widgets(page)
	except PlaywrightTimeout:
		failures = getattr(page, "hsq_failures", [])[seen:]
		if failures:
			raise AssertionError(f"{page.url}: {_still_loading(page)}; {failures}") from None
		screenshot(page, "workspace-timeout")
		page.reload()
		try:
			_wait_for_widgets(page)
		except PlaywrightTimeout:
			failures = getattr(page, "hsq_failures", [])[seen:]
			raise AssertionError(
				f"{page.url} twice: {_still_loading(page)}; {failures or 'no request failed'}"
			) from None


def _wait_for_widgets(page):
	wait_for_desk(page)
	page.wait_for_selector(".codex-editor", state="visible")
	page.wait_for_function("() => !document.querySelector('.workspace-skeleton')")
	page.wait_for_load_state("networkidle")
	# the blocks are drawn, then every number card and chart has its figures (not "Loading...")
	page.wait_for_selector(".codex-editor .ce-block")
	page.wait_for_timeout(1000)
	page.wait_for_function(f"() => ({BUSY_WIDGETS}).length === 0")
	page.wait_for_timeout(500)  # number cards fade in


# the number cards and charts still "Loading..." on the page
BUSY_WIDGETS = """[...document.querySelectorAll(".number-card-loading, .chart-loading-state")]
	.filter((e) => e.offsetParent !== null && e.textContent.includes(__("Loading...")))"""


def _still_loading(page) -> str:
	"""Which widgets are still loading, by their titles (for a timeout's message)."""
	try:
		titles = page.evaluate(
			f"""() => ({BUSY_WIDGETS}).map((e) => {{
				const w = e.closest(".widget");
				return (w && w.querySelector(".widget-title") || {{}}).textContent || "?";
			}})"""
		)
	except Exception as e:  # the page itself is gone
		return f"the page did not answer ({e})"
	return f"still loading: {[t.strip() for t in titles]}" if titles else "the desk itself did not settle"


def fresh(doctype: str, name: str, field: str):
	"""A value as the web server committed it (a new transaction sees the latest data)."""
	frappe.db.rollback()
	return frappe.db.get_value(doctype, name, field)

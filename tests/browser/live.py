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
	return context.new_page()


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
	"""The landing workspace with its blocks and number cards drawn (not its loading skeleton)."""
	wait_for_desk(page)
	page.wait_for_selector(".codex-editor", state="visible")
	page.wait_for_function("() => !document.querySelector('.workspace-skeleton')")
	page.wait_for_load_state("networkidle")
	# the blocks are drawn, then every number card and chart has its figures (not "Loading...")
	page.wait_for_selector(".codex-editor .ce-block")
	page.wait_for_timeout(1000)
	page.wait_for_function(
		"""() => {
			const loading = __("Loading...");
			const busy = [...document.querySelectorAll(".number-card-loading, .chart-loading-state")]
				.filter((e) => e.offsetParent !== null && e.textContent.includes(loading));
			return busy.length === 0;
		}"""
	)
	page.wait_for_timeout(500)  # number cards fade in


def fresh(doctype: str, name: str, field: str):
	"""A value as the web server committed it (a new transaction sees the latest data)."""
	frappe.db.rollback()
	return frappe.db.get_value(doctype, name, field)

"""Browser tests: the test site served on a free port, driven by headless Chromium through Playwright.

Skipped when Debian's Chromium (/usr/bin/chromium) or the playwright package is absent. The web
server is a separate process with its own database connection, so these tests commit the data
they prepare and remove it afterwards. Screenshots go to ``test-output/screenshots/`` at the root
of the checkout.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import frappe
import pytest
from live import CHROMIUM, CHROMIUM_ARGS, PASSWORD


def _playwright_available() -> bool:
	try:
		import playwright.sync_api  # noqa: F401 (is Playwright installed?)
	except ImportError:
		return False
	return True


def pytest_collection_modifyitems(config, items):
	reason = None
	if not Path(CHROMIUM).exists():
		reason = f"{CHROMIUM} is not installed"
	elif not _playwright_available():
		reason = "the playwright package is not installed"
	for item in items:
		if "browser" in item.keywords and reason:
			item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server():
	"""``bench serve`` for the test site on a free port (threaded, no reloader); stopped afterwards.

	With ``HSQ_LIVE_URL`` (``HSQ_TEST_PRODUCTION=1 bin/hsq test``): the production shape the harness
	serves the test site with (nginx, gunicorn, socketio, workers)."""
	if os.environ.get("HSQ_LIVE_URL"):
		yield os.environ["HSQ_LIVE_URL"]
		return
	port = _free_port()
	sites = frappe.local.sites_path
	log = open(os.path.join(sites, "..", "logs", f"hsq-browser-test-{port}.log"), "w")
	proc = subprocess.Popen(
		[
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			frappe.local.site,
			"serve",
			"--port",
			str(port),
			"--noreload",
		],
		cwd=sites,
		stdout=log,
		stderr=subprocess.STDOUT,
		start_new_session=True,
	)
	url = f"http://127.0.0.1:{port}"
	deadline = time.time() + 90
	while True:
		try:
			with urllib.request.urlopen(f"{url}/api/method/ping", timeout=5) as resp:
				if resp.status == 200:
					break
		except Exception:
			if proc.poll() is not None or time.time() > deadline:
				proc.kill()
				log.close()
				pytest.fail(f"the test web server did not start; see {log.name}")
			time.sleep(0.5)
	yield url
	proc.terminate()
	try:
		proc.wait(timeout=15)
	except subprocess.TimeoutExpired:
		proc.kill()
	log.close()


@pytest.fixture(scope="session")
def browser():
	from playwright.sync_api import sync_playwright

	with sync_playwright() as pw:
		instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
		yield instance
		instance.close()


@pytest.fixture(scope="session")
def web_users(shared_world):
	"""The shared world's users, able to log in with PASSWORD (committed)."""
	from frappe.utils.password import update_password

	w = shared_world
	users = [w.bureau_admin, w.inspector]
	for key in ("a", "b"):
		users += [w[key][r] for r in ("admin", "officer", "leader", "head1", "handler1", "agent")]
	for user in users:
		update_password(user, PASSWORD)
	frappe.db.commit()  # the web server reads users from its own connection
	return w


@pytest.fixture
def cleanup():
	"""Complaints made or prepared for a browser test (committed) are removed afterwards."""
	names: list[str] = []
	yield names
	frappe.db.rollback()
	for name in names:
		for dt, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Access Log", "reference_document"),
			("Version", "docname"),
			("HSQ Escalation Log", "complaint"),
		):
			frappe.db.delete(dt, {field: name})
		frappe.db.delete("HSQ Complaint Staff", {"parent": name})
		frappe.db.delete("HSQ Complaint Transfer", {"parent": name})
		frappe.db.delete("HSQ Complaint", {"name": name})
	if names:  # deleted behind the app: the report cells that counted them are recounted
		from factories import _recount_complaint_cells

		_recount_complaint_cells()
	frappe.db.commit()  # undo what the test committed


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
	"""A failed browser test leaves a screenshot of every page it had open (test-output/screenshots)."""
	outcome = yield
	report = outcome.get_result()
	if report.when != "call" or not report.failed or "browser" not in item.keywords:
		return
	instance = item.funcargs.get("browser")
	if instance is None:
		return
	from live import screenshot

	for i, context in enumerate(instance.contexts):
		for j, page in enumerate(context.pages):
			try:
				screenshot(page, f"FAILED-{item.name}-{i}-{j}")
			except Exception:
				pass

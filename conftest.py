"""pytest against a real Frappe site (the README's test command creates it).

The site is ``$HSQ_TEST_SITE`` (default hsq-test.localhost) in ``$HSQ_SITES_PATH`` (default: the
working directory, which the harness sets to the bench's sites folder). Each test runs as
Administrator and is rolled back afterwards; tests that must commit (HTTP doors, concurrency)
use the ``committed`` helpers in tests/factories.py and clean up after themselves.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "harness"))
sys.path.insert(0, str(ROOT / "tests"))


def _frappe_site_available() -> bool:
	try:
		import frappe  # noqa: F401 (is Frappe importable here?)
	except ImportError:
		return False
	return True


def pytest_configure(config):
	if not _frappe_site_available():
		return
	import frappe

	site = os.environ.get("HSQ_TEST_SITE", "hsq-test.localhost")
	sites_path = os.environ.get("HSQ_SITES_PATH", os.getcwd())
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	if not frappe.conf.allow_tests:
		pytest.exit(f"site {site} does not allow tests (bench --site {site} set-config allow_tests 1)", 2)
	frappe.flags.in_test = True
	frappe.set_user("Administrator")
	for fn in frappe.get_hooks("before_tests"):
		frappe.get_attr(fn)()


def pytest_unconfigure(config):
	if _frappe_site_available():
		import frappe

		if getattr(frappe.local, "db", None):
			frappe.db.rollback()
			frappe.destroy()


@pytest.fixture(scope="session", autouse=True)
def _mails_stay_queued():
	"""Under tests Frappe sends mail at once (notification and assignment mails), and sending
	commits (EmailQueue.send marks the queue row "Sending" with commit=True). That commit would
	make the test's own data permanent and leak it into later tests. Mails stay queued instead,
	where tests can inspect them."""
	if not _frappe_site_available():
		yield
		return
	from frappe.email.doctype.email_queue.email_queue import EmailQueue

	original = EmailQueue.send
	EmailQueue.send = lambda self, *args, **kwargs: None
	yield
	EmailQueue.send = original


@pytest.fixture(scope="session")
def shared_world():
	"""Bureau, two hospitals, departments and a user per role: built and committed once per run.

	Tests change it freely; their changes are rolled back like everything else.
	"""
	import frappe
	from factories import make_world

	frappe.set_user("Administrator")
	world = make_world()
	frappe.db.commit()  # shared by every test of the run; the test site is recreated per run
	return world


@pytest.fixture(autouse=True)
def _rollback():
	"""Every test starts as Administrator and leaves nothing behind."""
	if not _frappe_site_available():
		yield
		return
	import frappe

	frappe.set_user("Administrator")
	yield
	frappe.db.rollback()
	frappe.set_user("Administrator")
	frappe.local.hsq_active_staff = {}
	frappe.local.flags.pop("hsq_now", None)
	frappe.cache.delete_value("user_permissions")
	if getattr(frappe.local, "request", False) is None:
		# a test that faked a request and set it to None after: Frappe's router and print would
		# read `request.environ` in the next test (a page rendered in process has no request)
		del frappe.local.request


@pytest.fixture
def fake_sms():
	"""Text messages go to the fake gateway's outbox (hsq_app.messaging.gateway.FakeGateway)."""
	import frappe

	from hsq_app.messaging.gateway import FakeGateway

	frappe.flags.hsq_fake_sms = True
	FakeGateway.reset()
	yield FakeGateway
	FakeGateway.reset()
	frappe.flags.hsq_fake_sms = False


@pytest.fixture
def centre():
	"""A township health centre with its leaders, an officer and an agent (tests/follow_up_data.py)."""
	from follow_up_data import make_centre

	return make_centre()

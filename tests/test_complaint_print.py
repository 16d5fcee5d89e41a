"""The complaint handling record (投诉处理登记表/办结单): HTML with the workflow's signatures, and a PDF in Chinese."""

import io
import json
import shutil
import unicodedata
from pathlib import Path

import frappe
import pytest
from complaint_steps import act, in_state
from factories import as_user

from hsq_app.complaints import workflow as wf
from hsq_app.complaints.printing import handling_steps

FORMAT = "Complaint Handling Record"


def closed_complaint(w, **kw):
	name = in_state(w, wf.RESOLVED, demands="要求当面道歉", **kw)
	act(w.a.officer, name, "Close", complainant_feedback="Basically Satisfied")
	return name


def full_name(user):
	return frappe.db.get_value("User", user, "full_name")


def test_print_format_is_installed_and_its_template_is_one():
	pf = frappe.get_doc("Print Format", FORMAT)
	assert (pf.doc_type, pf.module, pf.standard, pf.print_format_type) == (
		"HSQ Complaint",
		"Complaints",
		"Yes",
		"Jinja",
	)
	folder = Path(frappe.get_app_path("hsq_app", "complaints", "print_format", "complaint_handling_record"))
	exported = json.loads((folder / "complaint_handling_record.json").read_text())
	assert exported["html"] == (folder / "complaint_handling_record.html").read_text()


def test_steps_are_read_from_the_workflow(shared_world):
	w = shared_world
	name = closed_complaint(w)
	as_user(w.a.officer)
	steps = handling_steps(name)
	assert steps["Registration"]["by"] == w.a.officer
	assert steps["Dispatch"]["by"] == w.a.officer
	assert steps["Submit for Approval"]["by"] == w.a.handler1
	assert steps["Approve"]["by"] == w.a.head1 and steps["Approve"]["by_name"] == full_name(w.a.head1)
	assert steps["Close"]["by"] == w.a.officer and steps["Close"]["at"]
	as_user(w.b.officer)
	assert handling_steps(name) == {}


def test_handling_record_html(shared_world):
	w = shared_world
	name = closed_complaint(w)
	as_user(w.a.officer)
	html = frappe.get_print("HSQ Complaint", name, FORMAT)
	for text in (
		"医疗服务投诉处理登记表（办结单）",
		name,
		"张三",
		"13800138000",
		"护士态度差",
		"要求当面道歉",
		"已批评教育当事护士",
		"已致歉并整改",
		frappe._("Upheld", "zh"),
		frappe._("Basically Satisfied", "zh"),
		frappe._("On-site", "zh"),
		full_name(w.a.handler1),
		full_name(w.a.head1),
		full_name(w.a.officer),
	):
		assert text in html, text
	assert "匿名" not in html


def test_anonymous_record_says_anonymous_and_escapes_text(shared_world):
	w = shared_world
	name = in_state(w, wf.REGISTERED, is_anonymous=1)
	frappe.db.set_value("HSQ Complaint", name, "demands", "a<b & c")
	html = frappe.get_print("HSQ Complaint", name, FORMAT)
	assert "匿名" in html and "13800138000" not in html
	assert "a&lt;b &amp; c" in html


def test_no_print_without_read_permission(shared_world):
	w = shared_world
	name = in_state(w, wf.DISPATCHED)
	as_user(w.b.officer)
	with pytest.raises((frappe.PermissionError, frappe.DoesNotExistError)):
		frappe.get_print("HSQ Complaint", name, FORMAT)


@pytest.fixture
def web_root():
	"""wkhtmltopdf loads the print stylesheet from the site's URL: serve the bench's assets meanwhile.

	(A served site answers on its own address; the test site has no web server, and its name does
	not resolve outside a browser.)
	"""
	import functools
	import threading
	from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

	class Quiet(SimpleHTTPRequestHandler):
		def log_message(self, *args):
			pass

	handler = functools.partial(Quiet, directory=frappe.local.sites_path)
	server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
	thread = threading.Thread(target=server.serve_forever, daemon=True)
	thread.start()
	before = frappe.local.conf.get("host_name")
	frappe.local.conf.host_name = f"http://127.0.0.1:{server.server_address[1]}"
	yield
	frappe.local.conf.host_name = before
	server.shutdown()
	server.server_close()


@pytest.mark.skipif(not shutil.which("wkhtmltopdf"), reason="wkhtmltopdf is not installed")
def test_handling_record_pdf_has_extractable_chinese(shared_world, web_root):
	from pypdf import PdfReader

	w = shared_world
	name = closed_complaint(w)
	as_user(w.a.officer)
	pdf = frappe.get_print("HSQ Complaint", name, FORMAT, as_pdf=True)
	assert pdf[:4] == b"%PDF"
	reader = PdfReader(io.BytesIO(pdf))
	text = "".join(page.extract_text() for page in reader.pages)
	# CJK fonts map some glyphs to Kangxi radicals (⼈ for 人) in the text layer: NFKC folds them back
	compact = unicodedata.normalize("NFKC", "".join(text.split()))
	for phrase in ("医疗服务投诉处理登记表", "护士态度差", "已致歉并整改", "签字确认"):
		assert phrase in compact, phrase
	fonts = set()
	for page in reader.pages:
		resources = page["/Resources"].get_object()
		for font in resources.get("/Font", {}).get_object().values():
			fonts.add(str(font.get_object().get("/BaseFont")))
	assert any("CJK" in f or "Noto" in f for f in fonts), fonts

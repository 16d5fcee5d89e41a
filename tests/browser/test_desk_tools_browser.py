"""The desk's everyday tools for the roles that work cases (issue 13, item 4), in headless Chromium:
the form sidebar with attachments, comments and the history, the search bar and the notification
bell — and none of them opens another institution's case. Screenshots go to test-output/screenshots/.
"""

import frappe
import pytest
from complaint_steps import act, in_state, registered
from live import login, screenshot, wait_for_desk

from hsq_app.complaints import workflow as wf

pytestmark = pytest.mark.browser


def zh(text: str) -> str:
	return frappe._(text, "zh")


def _open(page, doctype_slug: str, name: str):
	page.goto(f"/app/{doctype_slug}/{name}")
	wait_for_desk(page)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === '{name}'")
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(500)


def _attach(page, path: str, filename: str):
	"""Attach a file through the form sidebar's 附件 button and Frappe's upload dialog."""
	page.locator(".form-sidebar .add-attachment-btn").first.click()
	dialog = page.locator(".modal.show .file-uploader")
	dialog.wait_for()
	page.locator(".modal.show input[type=file]").first.set_input_files(path)
	page.locator(".modal.show .file-preview-container", has_text=filename[:10]).first.wait_for()
	page.locator(".modal.show .modal-footer .btn-primary:visible").first.click()
	page.locator(".form-sidebar .attachment-row", has_text=filename[:10]).first.wait_for()


def _files_of(doctype: str, name: str) -> list:
	frappe.db.rollback()
	return frappe.get_all(
		"File",
		filters={"attached_to_doctype": doctype, "attached_to_name": name},
		fields=["name", "file_name", "is_private", "file_url"],
	)


@pytest.fixture
def recording(tmp_path):
	path = tmp_path / "投诉电话录音-20261130.mp3"
	path.write_bytes(b"ID3" + b"\x00" * 2048)
	return str(path)


def _forget_files(doctype: str, name: str):
	frappe.db.rollback()
	for f in frappe.get_all("File", {"attached_to_doctype": doctype, "attached_to_name": name}, pluck="name"):
		frappe.delete_doc("File", f, force=True, ignore_permissions=True)
	frappe.db.commit()


def test_the_officer_attaches_a_recording_comments_and_reads_the_history(
	browser, live_server, web_users, cleanup, recording
):
	w = web_users
	name = registered(w)
	cleanup.append(name)
	frappe.db.commit()
	page = login(browser, live_server, w.a.officer)
	try:
		_open(page, "hsq-complaint", name)
		sidebar = page.locator(".form-sidebar")
		assert sidebar.is_visible()
		assert page.locator(".form-sidebar .form-attachments").is_visible()
		assert page.locator(".form-sidebar .form-assignments").is_visible()
		assert page.locator(".form-sidebar .form-shared").is_visible()

		# a call recording, attached from the sidebar, stored as a private file of the complaint
		_attach(page, recording, "投诉电话录音-20261130.mp3")
		files = _files_of("HSQ Complaint", name)
		assert [f.file_name for f in files] == ["投诉电话录音-20261130.mp3"]
		assert files[0].is_private == 1 and files[0].file_url.startswith("/private/files/")

		# a comment, written under the form, is kept and shown in the timeline
		page.locator(".comment-box .ql-editor").first.click()
		page.keyboard.type("已电话联系投诉人，约定周三面谈")
		page.locator(".comment-box .btn-comment").first.click()
		page.locator(".timeline-content", has_text="已电话联系投诉人").first.wait_for()
		frappe.db.rollback()
		assert frappe.db.exists(
			"Comment",
			{"reference_doctype": "HSQ Complaint", "reference_name": name, "comment_type": "Comment"},
		)

		# the history: who created it and what was attached, in Chinese
		timeline = page.locator(".new-timeline").inner_text()
		assert "投诉电话录音-20261130.mp3" in timeline
		assert "commented" not in timeline and "You attached" not in timeline, timeline
		screenshot(page, "tools-officer-sidebar-comment-history")
		page.context.close()

		# the officer of another hospital cannot fetch the recording
		page = login(browser, live_server, w.b.officer)
		response = page.request.get(files[0].file_url)
		assert response.status == 403, response.status
	finally:
		page.context.close()
		_forget_files("HSQ Complaint", name)


def test_the_handler_attaches_rectification_evidence_in_the_sidebar(
	browser, live_server, web_users, tmp_path
):
	from test_rectification import make_task

	w = web_users
	task = make_task(w)
	frappe.db.commit()
	photo = tmp_path / "整改后候诊区照片.png"
	photo.write_bytes(
		bytes.fromhex(
			"89504e470d0a1a0a0000000d4948445200000001000000010806000000"
			"1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
		)
	)
	page = login(browser, live_server, w.a.handler1)
	try:
		_open(page, "hsq-rectification-task", task)
		assert page.locator(".form-sidebar .form-attachments").is_visible()
		_attach(page, str(photo), photo.name)
		files = _files_of("HSQ Rectification Task", task)
		assert [f.file_name for f in files] == [photo.name]
		assert files[0].is_private == 1
		screenshot(page, "tools-handler-rectification-evidence")
	finally:
		page.context.close()
		_forget_files("HSQ Rectification Task", task)
		frappe.db.delete("HSQ Rectification Measure", {"parent": task})
		for dt, field in (("ToDo", "reference_name"), ("Version", "docname"), ("Comment", "reference_name")):
			frappe.db.delete(dt, {field: task})
		frappe.db.delete("HSQ Rectification Task", task)
		frappe.db.commit()


def test_the_search_bar_takes_the_officer_to_complaints_and_reports(browser, live_server, web_users):
	w = web_users
	page = login(browser, live_server, w.a.officer)
	try:
		bar = page.locator("#navbar-search")
		assert bar.is_visible()
		bar.click()
		bar.type("投诉", delay=80)
		results = page.locator("#navbar-search + ul li, .awesomplete ul li")
		results.first.wait_for()
		texts = results.all_inner_texts()
		screenshot(page, "tools-search-bar")
		assert any(zh("HSQ Complaint") in t for t in texts), texts
		page.locator(".awesomplete ul li", has_text=zh("HSQ Complaint")).first.click()
		page.wait_for_url("**/app/hsq-complaint**")
	finally:
		page.context.close()


def test_the_handler_is_told_by_the_bell_and_it_opens_the_complaint(browser, live_server, web_users, cleanup):
	w = web_users
	name = in_state(w, wf.DISPATCHED)
	cleanup.append(name)
	act(w.a.head1, name, "Accept", handler=w.a.handler1)  # the head chooses the handler
	frappe.db.commit()
	page = login(browser, live_server, w.a.handler1)
	try:
		bell = page.locator(".dropdown-notifications .nav-link, .notifications-icon").first
		assert bell.is_visible()
		bell.click()
		item = page.locator(f".notification-list-body a.recent-item[href*='{name}']").first
		item.wait_for()
		screenshot(page, "tools-handler-bell")
		item.click()
		page.wait_for_url(f"**/app/hsq-complaint/{name}")
	finally:
		page.context.close()
		frappe.db.rollback()
		frappe.db.delete("Notification Log", {"document_name": name})
		frappe.db.commit()

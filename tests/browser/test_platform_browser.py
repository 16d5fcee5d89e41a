"""Work orders and repeat complaints as the quality officer clicks them (issue 16): a 12345 order is
signed for from the form's 平台 menu, and a repeat complaint shows its earlier report and is merged
into it as a duplicate."""

from datetime import timedelta

import frappe
import pytest
from factories import as_user, make_complaint, make_user, uid
from live import fresh, login, screenshot, wait_for_desk

from hsq_app import roles as R
from hsq_app.api.intake import create_complaint

pytestmark = pytest.mark.browser


def zh(text: str) -> str:
	return frappe._(text, "zh")


@pytest.fixture
def records(cleanup):
	"""Complaints of the test, with their deliveries and messages removed afterwards."""
	yield cleanup
	frappe.db.rollback()
	for name in cleanup:
		frappe.db.delete("HSQ Platform Delivery", {"complaint": name})
		frappe.db.delete("HSQ SMS Log", {"reference_doctype": "HSQ Complaint", "reference_name": name})
	frappe.db.commit()  # the deliveries and messages the web server committed


def test_the_officer_signs_for_a_12345_order_from_the_platform_menu(browser, live_server, web_users, records):
	w = web_users
	intake = make_user(R.INTAKE_INTEGRATION)
	as_user(intake)
	try:
		name = create_complaint(
			channel="12345 Hotline",
			external_ref=uid("GD"),
			received_at=str(frappe.utils.now_datetime() - timedelta(hours=1)),
			complainant_name="王五",
			complainant_phone="13700000098",
			institution=w.a.institution,
			category="Waiting Time",
			description=f"挂号排队两小时无人处理 {uid()}",
		)["name"]
	finally:
		frappe.set_user("Administrator")
	records.append(name)
	frappe.db.commit()  # the web server reads it from its own connection

	page = login(browser, live_server, w.a.officer)
	page.goto(f"/app/hsq-complaint/{name}")
	wait_for_desk(page)
	page.locator(".inner-group-button button", has_text=zh("Platform")).first.click()
	page.locator(".inner-group-button .dropdown-item", has_text=zh("Sign For")).first.click()
	page.wait_for_function("cur_frm.doc.platform_status === 'Signed For'")
	screenshot(page, "platform-1-signed-for")
	assert fresh("HSQ Complaint", name, "platform_signed_at")
	events = frappe.get_all("HSQ Platform Delivery", filters={"complaint": name}, pluck="event")
	assert events == ["Signed For"]
	page.context.close()


def test_a_repeat_complaint_shows_the_earlier_report_and_is_merged_into_it(
	browser, live_server, web_users, records
):
	w = web_users
	phone = "139" + str(abs(hash(uid())))[:8].rjust(8, "0")
	as_user(w.a.officer)
	try:
		first = make_complaint(
			w.a.institution,
			complainant_phone=phone,
			received_at=frappe.utils.now_datetime() - timedelta(hours=2),
			description=f"候诊时间过长 {uid()}",
		)
		dup = make_complaint(
			w.a.institution, complainant_phone=phone, channel="Hotline", description="候诊过长"
		)
	finally:
		frappe.set_user("Administrator")
	records.extend([dup.name, first.name])
	assert dup.repeat_of == first.name
	frappe.db.commit()

	page = login(browser, live_server, w.a.officer)
	page.goto(f"/app/hsq-complaint/{dup.name}")
	wait_for_desk(page)
	alert = page.locator(".form-message").filter(has_text=first.name).first
	alert.wait_for()
	screenshot(page, "repeat-1-earlier-report")
	page.locator(".page-actions button", has_text=zh("Merge Duplicate")).first.click()
	page.locator(".modal.show .btn-primary").first.click()
	page.wait_for_function(f"cur_frm.doc.merged_into === '{first.name}'")
	screenshot(page, "repeat-2-merged")
	assert fresh("HSQ Complaint", dup.name, "merged_into") == first.name
	assert fresh("HSQ Complaint", first.name, "workflow_state") == "Registered"
	page.context.close()

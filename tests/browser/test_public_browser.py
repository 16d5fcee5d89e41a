"""Issue 13 items 9, 12 and 13 in headless Chromium, as the people who use them:

* item 9: the bureau admin reads the work calendar as a year of month grids, imports next year's
  schedule with one click (or is told the source does not have it yet) and marks a day by clicking;
* item 12: a citizen reads /service-quality on a phone (no sideways scrolling) and its figures are
  the SLA Compliance report's;
* item 13: a patient files on a phone with a department, a visit date and a photo; the officer sees
  the photo on the complaint; a guest cannot fetch it; a limited patient reads why, in Chinese.
"""

from __future__ import annotations

import io
import os
import random
import socket
from urllib.parse import quote, urlsplit

import frappe
import pytest
from live import TIMEOUT_MS, fresh, login, screenshot, wait_for_desk

from hsq_app.api.public import ADDRESS_LIMIT_KEY
from hsq_app.complaints import transparency
from hsq_app.complaints.sla.defaults import CALENDAR_NAME, official_schedule

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def _image(kind: str) -> bytes:
	from PIL import Image

	out = io.BytesIO()
	Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=kind)
	return out.getvalue()


PNG = _image("PNG")


def zh(text: str) -> str:
	return frappe._(text, "zh")


def phone_page(browser, base_url: str, ip: str | None = None):
	"""A guest on a phone (375 px wide, touch), from its own client address."""
	context = browser.new_context(
		base_url=base_url,
		viewport=PHONE,
		device_scale_factor=2,
		is_mobile=True,
		has_touch=True,
		locale="zh-CN",
		extra_http_headers={"X-Forwarded-For": ip or random_ip(), "Accept-Language": "zh-CN,zh;q=0.9"},
	)
	context.set_default_timeout(TIMEOUT_MS)
	return context.new_page()


def random_ip() -> str:
	return "10." + ".".join(str(random.randint(1, 250)) for _ in range(3))


def machine_address() -> str | None:
	"""This machine's own address on its network (not loopback), or None (no packet is sent)."""
	with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
		try:
			s.connect(("192.0.2.1", 9))
		except OSError:
			return None
		address = s.getsockname()[0]
	return None if address.startswith("127.") else address


def two_networks(base_url: str) -> tuple[tuple[str, str], tuple[str, str]]:
	"""Two patients on two networks, as (address the app sees, URL to open).

	``bench serve`` believes X-Forwarded-For from this machine, so a header stands in for a
	network. In the production shape nginx writes X-Forwarded-For from the connection, whatever a
	client sends: there the second network is a second real address, this machine's own one (nginx
	listens on every address), and the first is loopback."""
	if not os.environ.get("HSQ_LIVE_URL"):
		return (random_ip(), base_url), (random_ip(), base_url)
	other = machine_address()
	if not other:
		pytest.skip("this machine has no address but loopback: the production shape sees one network")
	port = urlsplit(base_url).port
	return ("127.0.0.1", base_url), (other, f"http://{other}:{port}")


def random_phone() -> str:
	return "139" + "".join(random.choice("0123456789") for _ in range(8))


def sideways_overflow(page) -> list[str]:
	"""What scrolls sideways on the page: the page itself or any scroll box in it."""
	return page.evaluate(
		"""() => {
			const out = [];
			const doc = document.documentElement;
			if (doc.scrollWidth > window.innerWidth + 1) out.push(`page ${doc.scrollWidth} > ${window.innerWidth}`);
			for (const el of document.querySelectorAll("body *")) {
				if (el.offsetParent === null) continue;
				const style = getComputedStyle(el);
				if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
					out.push(`${el.tagName}.${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
			}
			return out;
		}"""
	)


# ------------------------------------------------------------------ item 13: /complaint


@pytest.fixture
def public_cleanup(cleanup):
	"""Complaints filed through the page, with their files, removed afterwards."""
	yield cleanup
	frappe.db.rollback()
	for name in cleanup:
		for file in frappe.get_all(
			"File", filters={"attached_to_doctype": "HSQ Complaint", "attached_to_name": name}, pluck="name"
		):
			frappe.delete_doc("File", file, force=True, ignore_permissions=True)
	frappe.db.commit()  # the files the page's request committed


def test_patient_files_with_a_photo_on_a_phone(browser, live_server, web_users, public_cleanup):
	w = web_users
	page = phone_page(browser, live_server)
	page.goto("/complaint")
	page.wait_for_selector("#hsq-complaint-form")
	assert sideways_overflow(page) == []
	page.select_option("#institution", w.a.institution)
	dept_label = frappe.db.get_value("HSQ Department", w.a.dept1, "department_name")
	page.select_option("#department", w.a.dept1)
	assert page.locator("#department option:checked").inner_text() == dept_label
	visit = str(frappe.utils.add_days(frappe.utils.today(), -1))
	assert page.get_attribute("#visit_date", "max") == frappe.utils.today()
	page.fill("#visit_date", visit)
	page.fill("#description", "输液室地面湿滑无警示，老人摔倒，照片为证")
	number = random_phone()
	page.fill("#complainant_phone", number)
	page.set_input_files("#photos", files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}])
	assert "已选择 1 张照片" in page.inner_text("#photo-names")
	assert sideways_overflow(page) == []
	page.click("#hsq-complaint-form button[type=submit]")
	page.wait_for_selector("#hsq-code")
	code = page.inner_text("#hsq-code")
	screenshot(page, "public-complaint-phone-filed")
	frappe.db.rollback()
	name = frappe.db.get_value("HSQ Complaint", {"tracking_code": code})
	assert name
	public_cleanup.append(name)
	doc = frappe.get_doc("HSQ Complaint", name)
	assert (doc.department, str(doc.visit_date), doc.complainant_phone) == (w.a.dept1, visit, number)
	file = frappe.get_all(
		"File",
		filters={"attached_to_doctype": "HSQ Complaint", "attached_to_name": name},
		fields=["file_name", "file_url", "is_private"],
	)
	assert len(file) == 1 and file[0].is_private and file[0].file_url.startswith("/private/files/")

	# the officer sees the photo on the complaint and can open it
	officer = login(browser, live_server, w.a.officer)
	officer.goto(f"/app/hsq-complaint/{name}")
	wait_for_desk(officer)
	officer.wait_for_function(f"cur_frm && cur_frm.doc.name === '{name}'")
	officer.locator(".form-attachments", has_text=file[0].file_name).wait_for()
	screenshot(officer, "public-complaint-officer-sees-photo")
	assert officer.request.get(file[0].file_url).status == 200

	# a guest (the patient's phone, or anyone with the link) cannot fetch it
	guest = page.context.request.get(file[0].file_url)
	assert guest.status in (403, 404) and guest.body() != PNG


def test_a_limited_patient_is_told_in_chinese(browser, live_server, web_users, public_cleanup):
	w = web_users
	before = frappe.db.get_single_value("HSQ Settings", "public_complaint_rate_limit")
	frappe.db.set_single_value("HSQ Settings", "public_complaint_rate_limit", 1)
	frappe.db.commit()  # the web server reads it
	try:
		(first_ip, first_url), (other_ip, other_url) = two_networks(live_server)
		for ip in (first_ip, other_ip):  # earlier tests' complaints from these addresses
			frappe.cache.delete_value(f"{ADDRESS_LIMIT_KEY}:{ip}")
		page = phone_page(browser, first_url, first_ip)
		for attempt in range(2):
			page.goto("/complaint")
			page.select_option("#institution", w.a.institution)
			page.fill("#description", f"挂号窗口排队一小时 {attempt}")
			page.check("#is_anonymous")
			page.click("#hsq-complaint-form button[type=submit]")
			if attempt == 0:
				page.wait_for_selector("#hsq-code")
				frappe.db.rollback()
				public_cleanup.append(
					frappe.db.get_value("HSQ Complaint", {"tracking_code": page.inner_text("#hsq-code")})
				)
		error = page.locator("#hsq-error")
		error.wait_for(state="visible")
		screenshot(page, "public-complaint-limited")
		assert "您所在网络" in error.inner_text(), error.inner_text()
		# another patient on another network is not affected
		other = phone_page(browser, other_url, other_ip)
		other.goto("/complaint")
		other.select_option("#institution", w.a.institution)
		other.fill("#description", "门诊收费处态度差")
		other.check("#is_anonymous")
		other.click("#hsq-complaint-form button[type=submit]")
		other.wait_for_selector("#hsq-code")
		frappe.db.rollback()
		public_cleanup.append(
			frappe.db.get_value("HSQ Complaint", {"tracking_code": other.inner_text("#hsq-code")})
		)
	finally:
		frappe.db.rollback()
		frappe.db.set_single_value("HSQ Settings", "public_complaint_rate_limit", before)
		frappe.db.commit()


# ------------------------------------------------------------------ item 12: /service-quality


def test_transparency_page_fits_a_phone_and_shows_the_reports_figures(
	browser, live_server, web_users, cleanup
):
	from frappe.desk.query_report import run
	from test_public_pages import seed_sla_outcomes

	w = web_users
	cleanup.extend(seed_sla_outcomes(w.a.institution, met=2, late=1, overdue=1, open_on_time=1))
	cleanup.extend(seed_sla_outcomes(w.b.institution, met=1, late=2))
	frappe.db.commit()  # the web server reads them
	transparency.clear_cache()
	page = phone_page(browser, live_server)
	page.goto("/service-quality")
	page.wait_for_selector("#hsq-sq-institutions")
	screenshot(page, "service-quality-phone")
	assert sideways_overflow(page) == [], sideways_overflow(page)

	figures = transparency.public_figures()  # what the page showed (the same cache)
	frappe.set_user(w.bureau_admin)
	try:
		report = {
			r["grp_value"]: r
			for r in run(
				"SLA Compliance",
				filters={
					"from_date": figures["from_date"],
					"to_date": figures["to_date"],
					"group_by": "Institution",
				},
			)["result"]
		}
	finally:
		frappe.set_user("Administrator")
	cells = {
		row[0]: row
		for row in page.eval_on_selector_all(
			"#hsq-sq-institutions tbody tr",
			"rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.innerText.trim()))",
		)
	}
	for inst in (w.a.institution, w.b.institution):
		_name, received, _closed, on_time, _satisfaction = cells[inst]
		assert received == str(report[inst]["total"]), (inst, cells[inst], report[inst])
		assert on_time == f"{report[inst]['compliance']}%", (inst, cells[inst], report[inst])
	transparency.clear_cache()


# ------------------------------------------------------------------ item 9: the work calendar


def _open_calendar(page, name: str):
	page.goto(f"/app/hsq-work-calendar/{quote(name)}")
	wait_for_desk(page)
	page.wait_for_function(f"cur_frm && cur_frm.doc.name === {frappe.as_json(name)}")
	page.wait_for_selector(".hsq-year-view .hsq-month")


def test_admin_reads_the_calendar_as_a_year(browser, live_server, web_users):
	page = login(browser, live_server, web_users.bureau_admin)
	_open_calendar(page, CALENDAR_NAME)
	year = frappe.utils.getdate().year
	view = page.locator(".hsq-year-view")
	assert view.get_attribute("data-year") == str(year)
	assert page.locator(".hsq-year-view .hsq-month").count() == 12
	schedule = official_schedule()[year]
	for day, day_type, _description in schedule:
		cls = "is-holiday" if day_type == "Holiday" else "is-workday"
		assert cls in page.get_attribute(f'.hsq-day[data-date="{day}"]', "class"), day
	assert "is-weekend" in page.get_attribute(f'.hsq-day[data-date="{year}-11-29"]', "class")
	# the raw table of every day since 2004 is out of the way (a collapsed section)
	assert not page.locator('.frappe-control[data-fieldname="days"]').is_visible()
	assert zh("Holiday") in view.inner_text() and zh("Make-up workday") in view.inner_text()
	assert f"已收录至{max(official_schedule())}年" in view.inner_text()  # what the import can bring
	page.click(".hsq-year-view .prev")
	page.wait_for_selector(f'.hsq-year-view[data-year="{year - 1}"]')
	screenshot(page, "work-calendar-year-view")


@pytest.fixture
def bare_calendar(web_users):
	"""A calendar entered up to the end of the source's second-last year (committed, removed after)."""
	last = max(official_schedule())
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Work Calendar",
			"calendar_name": f"浏览器测试日历{frappe.generate_hash(length=5)}",
			"covered_until": f"{last - 1}-12-31",
			"morning_start": "08:00:00",
			"morning_end": "12:00:00",
			"afternoon_start": "14:00:00",
			"afternoon_end": "17:30:00",
		}
	).insert()
	frappe.db.commit()
	yield frappe._dict(name=doc.name, last=last)
	frappe.db.rollback()
	frappe.delete_doc("HSQ Work Calendar", doc.name, force=True, ignore_permissions=True)
	frappe.db.commit()


def test_admin_imports_next_year_and_marks_a_day(browser, live_server, web_users, bare_calendar):
	cal = bare_calendar
	page = login(browser, live_server, web_users.bureau_admin)
	_open_calendar(page, cal.name)
	page.get_by_role("button", name=zh("Import the {0} holiday schedule").format(cal.last)).click()
	page.wait_for_selector(f'.hsq-year-view[data-year="{cal.last}"]')
	page.wait_for_function(
		f"cur_frm.doc.covered_until === '{cal.last}-12-31' && (cur_frm.doc.days || []).length > 0"
	)
	page.wait_for_selector(f'.hsq-day.is-holiday[data-date="{cal.last}-10-01"]')
	assert str(fresh("HSQ Work Calendar", cal.name, "covered_until")) == f"{cal.last}-12-31"
	stored = frappe.db.count("HSQ Work Calendar Day", {"parent": cal.name})
	assert stored == len(official_schedule()[cal.last])

	# the next year is not in the source yet: the admin is told so, in Chinese, and nothing changes
	page.get_by_role("button", name=zh("Import the {0} holiday schedule").format(cal.last + 1)).click()
	message = page.locator(".modal.show .msgprint")
	message.wait_for()
	assert f"尚无{cal.last + 1}年" in message.inner_text(), message.inner_text()
	screenshot(page, "work-calendar-no-source")
	page.locator(".modal.show .btn-modal-close").first.click()
	assert frappe.db.count("HSQ Work Calendar Day", {"parent": cal.name}) == stored

	# a click on a plain weekday makes it a holiday; the ordinary save keeps it
	day = next(
		f"{cal.last}-03-{d:02d}"
		for d in range(2, 28)
		if frappe.utils.getdate(f"{cal.last}-03-{d:02d}").weekday() < 5
	)
	page.click(f'.hsq-day[data-date="{day}"]')
	page.wait_for_selector(f'.hsq-day.is-holiday[data-date="{day}"]')
	page.keyboard.press("Control+s")
	page.wait_for_function("!cur_frm.is_dirty()")
	page.wait_for_load_state("networkidle")
	frappe.db.rollback()
	assert frappe.db.get_value("HSQ Work Calendar Day", {"parent": cal.name, "date": day}, "day_type") == (
		"Holiday"
	)
	# and a second click puts it back
	page.click(f'.hsq-day[data-date="{day}"]')
	page.wait_for_selector(f'.hsq-day:not(.is-holiday)[data-date="{day}"]')
	page.keyboard.press("Control+s")
	page.wait_for_function("!cur_frm.is_dirty()")
	page.wait_for_load_state("networkidle")
	frappe.db.rollback()
	assert not frappe.db.exists("HSQ Work Calendar Day", {"parent": cal.name, "date": day})


def test_an_officer_reads_the_year_but_cannot_change_it(browser, live_server, web_users):
	page = login(browser, live_server, web_users.a.officer)
	_open_calendar(page, CALENDAR_NAME)
	assert "editable" not in page.get_attribute(".hsq-year-view", "class")
	assert page.get_by_role("button", name=zh("Import the {0} holiday schedule").format(2027)).count() == 0

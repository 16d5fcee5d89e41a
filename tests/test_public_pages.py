"""Issue 13 items 12 and 13: the public pages.

* /service-quality agrees with the SLA Compliance report (same cohort, on-time definition,
  rounding and period) and hides a rate whenever the count it comes from is hidden;
* /complaint limits per phone number and (generously) per real client address, answers 429 with a
  Chinese message, takes an optional department and visit date, and photos: checked by content,
  count and size, stored as private files of the complaint, all or none.
"""

from __future__ import annotations

import datetime
import io
import json
import random

import frappe
import pytest
from factories import make_complaint, make_department, make_institution, uid
from rest import request

from hsq_app.api import public
from hsq_app.complaints import transparency

SUBMIT = "/api/method/hsq_app.api.public.submit_complaint"


def _image(kind: str) -> bytes:
	from PIL import Image

	out = io.BytesIO()
	Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=kind)
	return out.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")
BROKEN_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64  # the right header, no picture


# ------------------------------------------------------------------ /service-quality (item 12)


@pytest.fixture
def fresh_figures():
	from hsq_app.complaints import stats

	stats.rebuild()  # the report's cells count what the complaints table holds now
	transparency.clear_cache()
	yield
	transparency.clear_cache()


def sla_compliance(user, group_by, figures):
	from frappe.desk.query_report import run

	frappe.set_user(user)
	try:
		result = run(
			"SLA Compliance",
			filters={"from_date": figures["from_date"], "to_date": figures["to_date"], "group_by": group_by},
		)["result"]
	finally:
		frappe.set_user("Administrator")
	return {r["grp_value"]: r for r in result}


def seed_sla_outcomes(institution, met=0, late=0, overdue=0, open_on_time=0, not_accepted=0):
	"""Complaints received this month with the given outcomes (deadlines set directly)."""
	now = frappe.utils.now_datetime()
	# this month, and already past (between midnight and 09:00 of the 1st, 09:00 is still to come)
	start = frappe.utils.get_datetime(frappe.utils.get_first_day(now))
	received = min(start + datetime.timedelta(hours=9), start + (now - start) / 2)
	kinds = (
		[("met", {"resolved_at": received, "resolve_by": now, "workflow_state": "Resolved"})] * met
		+ [
			(
				"late",
				{
					"resolved_at": now,
					"resolve_by": received,
					"workflow_state": "Closed",
					"closed_at": now,
				},
			)
		]
		* late
		+ [("overdue", {"resolve_by": received, "workflow_state": "In Progress"})] * overdue
		+ [
			(
				"open",
				{
					"resolve_by": frappe.utils.add_to_date(now, days=5),
					"workflow_state": "Accepted",
				},
			)
		]
		* open_on_time
		+ [("na", {"workflow_state": "Not Accepted", "resolve_by": received})] * not_accepted
	)
	names = []
	for _kind, values in kinds:
		doc = make_complaint(institution, received_at=received)
		frappe.db.set_value("HSQ Complaint", doc.name, values)
		names.append(doc.name)
	# written behind the document: the report's per-day cells are told, as the app's own bulk
	# writers tell them (hsq_app.complaints.stats)
	from hsq_app.complaints import stats

	stats.complaints_changed(names)
	return names


def test_page_and_sla_compliance_report_agree(shared_world, fresh_figures):
	w = shared_world
	# met 2, late 1, overdue 1 (+1 open on time, +1 not accepted): the report says 50.0 %
	seed_sla_outcomes(w.a.institution, met=2, late=1, overdue=1, open_on_time=1, not_accepted=1)
	# 1 met of 3 decided: 33.3 % (one decimal, as the report rounds)
	seed_sla_outcomes(w.b.institution, met=1, late=2, open_on_time=1)
	figures = transparency.compute()
	by_institution = sla_compliance(w.bureau_admin, "Institution", figures)
	page = {r["institution"]: r for r in figures["institutions"]}
	for inst in (w.a.institution, w.b.institution):
		report = by_institution[inst]
		assert page[inst]["on_time_rate"] == report["compliance"], (inst, page[inst], report)
		assert page[inst]["received"] == report["total"]
	assert page[w.a.institution]["on_time_rate"] == 50.0
	assert page[w.b.institution]["on_time_rate"] == 33.3
	# every published institution rate and count equals the report's for the same period
	for inst, row in page.items():
		report = by_institution.get(inst)
		if isinstance(row["received"], int):
			assert row["received"] == (report["total"] if report else 0), inst
		if row["on_time_rate"] is not None:
			assert row["on_time_rate"] == report["compliance"], inst
	# by month of receipt, and the county total over the same window
	by_month = sla_compliance(w.bureau_admin, "Month", figures)
	for month in figures["months"]:
		report = by_month.get(month["month"])
		assert month["received"] == (report["total"] if report else 0), month
		if month["on_time_rate"] is not None:
			assert month["on_time_rate"] == report["compliance"], month
	met = sum(frappe.utils.flt(r["met"]) for r in by_month.values())
	decided = sum(
		frappe.utils.flt(r["met"]) + frappe.utils.flt(r["late"]) + frappe.utils.flt(r["overdue"])
		for r in by_month.values()
	)
	assert figures["total"]["on_time_rate"] == round(100 * met / decided, 1)


def test_a_hidden_count_hides_its_rates(shared_world, fresh_figures):
	small = make_institution(uid("小卫生院"), type="Township Health Center", grade="Primary")
	big = make_institution(uid("中心卫生院"), type="Township Health Center", grade="Primary")
	seed_sla_outcomes(small, open_on_time=1)  # 1 received (not yet due): shown as "<3"
	seed_sla_outcomes(big, met=3)  # 3 received, 3 decided: a publishable rate ...
	figures = transparency.compute()
	rows = {r["institution"]: r for r in figures["institutions"]}
	assert rows[small]["received"] == transparency.SMALL and rows[small]["on_time_rate"] is None
	# ... unless its received count is the complement hidden to protect the small one (the
	# smallest other non-zero cell): then its on-time rate is hidden with it, or the rate would
	# sit beside a count the page hides
	hidden = [i for i, r in rows.items() if r["received"] == transparency.HIDDEN]
	assert hidden, rows
	for inst in hidden:
		assert rows[inst]["on_time_rate"] is None, rows[inst]
	# no rate is ever shown beside a count that is not shown exactly
	for row in rows.values():
		for measure, rates in transparency.RATES_OF.items():
			if isinstance(row[measure], str):
				assert all(row[rate] is None for rate in rates), row


def test_the_page_states_the_reports_definition(shared_world, fresh_figures):
	body = request("GET", "/service-quality").get_data(as_text=True)
	assert "时限达标" in body and "已到办理时限" in body


# ------------------------------------------------------------------ /complaint (item 13)


@pytest.fixture
def public_world(shared_world):
	"""Committed settings and cleanup for the HTTP calls (each runs in its own transaction)."""
	made: list[str] = []
	meta = frappe.get_meta("HSQ Settings")
	before = {
		f: frappe.db.get_single_value("HSQ Settings", f)
		for f in (
			"public_complaint_rate_limit",
			"public_complaint_phone_limit",
			"public_complaint_max_photos",
			"public_complaint_photo_max_mb",
		)
		if meta.has_field(f)
	}

	def settings(**values):
		for k, v in values.items():
			frappe.db.set_single_value("HSQ Settings", k, v)
		frappe.db.commit()  # the HTTP request reads them from its own connection

	yield frappe._dict(w=shared_world, made=made, settings=settings)
	frappe.db.rollback()
	for name in made:
		for file in frappe.get_all(
			"File", filters={"attached_to_doctype": "HSQ Complaint", "attached_to_name": name}, pluck="name"
		):
			frappe.delete_doc("File", file, force=True, ignore_permissions=True)
		for dt, field in (("ToDo", "reference_name"), ("Comment", "reference_name")):
			frappe.db.delete(dt, {field: name})
		frappe.db.delete("HSQ Complaint", {"name": name})
	from factories import _recount_complaint_cells

	_recount_complaint_cells()  # deleted behind the app
	for k, v in before.items():
		frappe.db.set_single_value("HSQ Settings", k, v)
	frappe.db.commit()  # undo what the requests committed


def address() -> str:
	return "10." + ".".join(str(random.randint(1, 250)) for _ in range(3))


def phone() -> str:
	return "139" + "".join(random.choice("0123456789") for _ in range(8))


def submit(pw, ip, files=None, **form):
	data = {"institution": pw.w.a.institution, "description": "候诊时间太长", **form}
	if files is None:
		resp = request("POST", SUBMIT, json_body=data, ip=ip)
	else:
		data["photos"] = [(io.BytesIO(content), filename) for filename, content in files]
		resp = request("POST", SUBMIT, data=data, ip=ip, content_type="multipart/form-data")
	if resp.status_code == 200:
		pw.made.append(resp.body["message"]["name"])
	return resp


def message(resp) -> str:
	return json.loads(json.loads(resp.body["_server_messages"])[0])["message"]


def test_a_hospital_network_is_not_locked_out(public_world):
	"""Many patients behind one address (the hospital's Wi-Fi), each with their own phone: the old
	limit of 5 an hour per address locked the sixth out. The shipped default is generous."""
	default = frappe.get_meta("HSQ Settings").get_field("public_complaint_rate_limit").default
	assert frappe.utils.cint(default) >= 20
	public_world.settings(public_complaint_rate_limit=frappe.utils.cint(default))
	ip = address()
	codes = [submit(public_world, ip, complainant_phone=phone()).status_code for _ in range(8)]
	assert codes == [200] * 8


def test_the_address_limit_keys_on_the_real_client_address_and_speaks_chinese(public_world):
	public_world.settings(public_complaint_rate_limit=2)
	ip = address()
	assert submit(public_world, ip, is_anonymous=1).status_code == 200
	assert submit(public_world, ip, is_anonymous=1).status_code == 200
	limited = submit(public_world, ip, is_anonymous=1)
	assert limited.status_code == 429
	assert "您所在网络" in message(limited)
	# another client behind the same trusted proxy is not limited
	assert submit(public_world, address(), is_anonymous=1).status_code == 200
	# a forged X-Forwarded-For from an untrusted peer does not buy a fresh count: the peer counts
	from hsq_app.utils.client import resolve, trusted_proxies

	assert resolve("203.0.113.9", "1.2.3.4", trusted_proxies()) == "203.0.113.9"


def test_one_phone_number_is_limited_in_chinese(public_world):
	public_world.settings(public_complaint_phone_limit=2)
	number = phone()
	codes = [submit(public_world, address(), complainant_phone=number).status_code for _ in range(2)]
	limited = submit(public_world, address(), complainant_phone=number)
	assert codes == [200, 200] and limited.status_code == 429
	assert "手机号" in message(limited) or "电话" in message(limited), message(limited)


def test_department_and_visit_date(public_world):
	w = public_world.w
	today = frappe.utils.getdate()
	resp = submit(
		public_world,
		address(),
		is_anonymous=1,
		department=w.a.dept1,
		visit_date=str(frappe.utils.add_days(today, -2)),
	)
	assert resp.status_code == 200, resp.body
	frappe.db.rollback()
	doc = frappe.get_doc("HSQ Complaint", resp.body["message"]["name"])
	assert doc.department == w.a.dept1 and doc.visit_date == frappe.utils.add_days(today, -2)
	future = submit(public_world, address(), is_anonymous=1, visit_date=str(frappe.utils.add_days(today, 1)))
	assert future.status_code == 417 and "就诊日期" in message(future)
	garbled = submit(public_world, address(), is_anonymous=1, visit_date="上周三")
	assert garbled.status_code == 417 and "就诊日期" in message(garbled)
	other = submit(public_world, address(), is_anonymous=1, department=w.b.dept1)
	assert other.status_code == 417 and "科室" in message(other)


def test_the_page_lists_departments_by_institution_for_guests(public_world):
	w = public_world.w
	disabled = make_department(w.a.institution, name=uid("停用科室"))
	frappe.db.set_value("HSQ Department", disabled, "disabled", 1)
	listed = public.public_departments()
	names = {d["name"] for d in listed[w.a.institution]}
	assert w.a.dept1 in names and disabled not in names
	assert set(listed[w.a.institution][0]) == {"name", "label"}  # nothing but the names
	assert w.bureau not in listed


def test_photos_are_private_files_of_the_complaint(public_world):
	resp = submit(
		public_world,
		address(),
		files=[("现场.png", PNG), ("单据.jpeg", JPEG)],
		is_anonymous="1",
	)
	assert resp.status_code == 200, resp.body
	name = resp.body["message"]["name"]
	frappe.db.rollback()
	files = frappe.get_all(
		"File",
		filters={"attached_to_doctype": "HSQ Complaint", "attached_to_name": name},
		fields=["file_name", "file_url", "is_private"],
		order_by="file_name asc",
	)
	assert [f.file_name for f in files] == ["投诉照片-1.png", "投诉照片-2.jpg"]
	assert all(f.is_private and f.file_url.startswith("/private/files/") for f in files)
	guest = request("GET", files[0].file_url)
	assert guest.status_code in (403, 404) and PNG not in guest.get_data()


@pytest.mark.parametrize(
	"files, expected",
	[
		([("伪装.jpg", b"<html><script>alert(1)</script></html>")], "不是 JPEG"),
		([("a.png", PNG), ("b.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")], "第 2 张"),
		([(f"{i}.png", PNG) for i in range(4)], "最多可附 3 张"),
		([("大.jpg", JPEG + b"\x00" * (1024 * 1024))], "超过 1 MB"),
		([("坏.jpg", BROKEN_JPEG)], "不是 JPEG"),
	],
)
def test_a_bad_photo_stores_nothing(public_world, files, expected):
	public_world.settings(public_complaint_max_photos=3, public_complaint_photo_max_mb=1)
	marker = f"照片测试{uid()}"
	files_before = frappe.db.count("File")
	resp = submit(public_world, address(), files=files, is_anonymous="1", description=marker)
	assert resp.status_code == 417, resp.status_code
	assert expected in message(resp), message(resp)
	frappe.db.rollback()
	assert not frappe.db.exists("HSQ Complaint", {"description": ("like", f"%{marker}%")})
	assert frappe.db.count("File") == files_before


def test_sniffing_reads_content_not_names():
	assert public.sniff_image(PNG) == "png" and public.sniff_image(JPEG) == "jpeg"
	assert public.sniff_image(BROKEN_JPEG) == "jpeg" and not public._decodes(BROKEN_JPEG)
	assert public.sniff_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
	assert public.sniff_image(b"GIF89a") is None and public.sniff_image(b"") is None

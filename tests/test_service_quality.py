"""The public transparency page /service-quality: county figures per month, no personal data, k-anonymity."""

import frappe
import pytest
from factories import make_complaint, make_institution
from rest import request

from hsq_app.complaints import transparency

NOW = "2025-06-15 10:00:00"  # a window (2024-07 .. 2025-06) no other test writes into


@pytest.fixture(autouse=True)
def fresh_cache():
	transparency.clear_cache()
	yield
	transparency.clear_cache()  # Redis is not rolled back with the test


def complaint(institution, received_at, **values):
	doc = make_complaint(institution, received_at=received_at)
	if values:
		frappe.db.set_value("HSQ Complaint", doc.name, values)
	return doc.name


def closed(feedback, sla_status, day="2025-04-10"):
	"""Closed on ``day``; Met: resolved before its deadline, Breached: after it."""
	deadline = "2025-12-31 17:30:00" if sla_status == "Met" else "2025-03-31 17:30:00"
	return {
		"workflow_state": "Closed",
		"resolved_at": f"{day} 09:00:00",
		"closed_at": f"{day} 16:00:00",
		"resolve_by": deadline,
		"sla_status": sla_status,
		"complainant_feedback": feedback,
	}


def month(figures, key):
	return next(m for m in figures["months"] if m["month"] == key)


def test_monthly_county_figures(shared_world):
	w = shared_world
	complaint(w.a.institution, "2025-03-02 08:00:00", **closed("Satisfied", "Met"))
	complaint(w.b.institution, "2025-03-05 08:00:00", **closed("Basically Satisfied", "Met"))
	complaint(w.a.institution, "2025-03-09 08:00:00", **closed("Dissatisfied", "Breached"))
	complaint(w.a.institution, "2025-03-20 08:00:00")
	complaint(w.a.institution, "2025-05-01 08:00:00")
	complaint(w.a.institution, "2024-05-01 08:00:00")  # before the window
	f = transparency.compute(frappe.utils.get_datetime(NOW))
	assert f["months"][0]["month"] == "2024-07" and f["months"][-1]["month"] == "2025-06"
	assert len(f["months"]) == 12
	march, april, may = month(f, "2025-03"), month(f, "2025-04"), month(f, "2025-05")
	assert (march["received"], march["closed"]) == (4, 0)
	# on time as the SLA Compliance report counts it: by month of receipt, of those decided
	# (resolved, or open past the deadline, as the fourth March complaint is by June): 2 of 4
	assert march["decided"] == 4 and march["on_time_rate"] == 50.0
	assert (april["received"], april["closed"]) == (0, 3)
	assert april["on_time_rate"] is None and april["satisfaction"] == 66.7
	assert may["received"] == 1 and may["on_time_rate"] is None and may["satisfaction"] is None
	assert f["total"]["received"] == 5 and f["total"]["closed"] == 3
	assert f["total"]["on_time_rate"] == 40.0  # 2 met of 5 decided (the May one is overdue too)


def test_small_numbers_are_not_published(shared_world):
	w = shared_world
	small = make_institution("小型卫生院", type="Township Health Center", grade="Primary")
	complaint(small, "2025-04-02 08:00:00", **closed("Dissatisfied", "Breached"))
	complaint(small, "2025-04-03 08:00:00")
	for day in ("01", "02", "03"):
		complaint(
			w.a.institution, f"2025-04-{day} 08:00:00", **closed("Satisfied", "Met", day=f"2025-04-{day}")
		)
	f = transparency.compute(frappe.utils.get_datetime(NOW))
	rows = {r["institution"]: r for r in f["institutions"]}
	assert rows[small]["received"] == "<3" and rows[small]["closed"] == "<3"
	assert rows[small]["on_time_rate"] is None and rows[small]["satisfaction"] is None
	# the small count is never the only hidden cell: the county total minus the exact cells would
	# give it away (complementary suppression); a hidden count hides its rates too
	for measure, rate in (("received", None), ("closed", "satisfaction")):
		hidden = [r for r in rows.values() if isinstance(r[measure], str)]
		assert len(hidden) >= 2, (measure, rows)
		assert all(r[rate] is None for r in hidden) if rate else True
	assert rows[w.b.institution]["received"] == 0
	assert w.bureau not in rows
	# the county month has 5 received but only 4 closed with feedback: rates publish from 3 cases up
	april = month(f, "2025-04")
	assert april["received"] == 5 and april["satisfaction"] == 75.0


def test_page_shows_figures_without_personal_data(shared_world):
	from frappe.website.serve import get_response_content

	w = shared_world
	now = frappe.utils.now_datetime()
	complaint(w.a.institution, now, **{"workflow_state": "Closed", "closed_at": now})
	frappe.set_user("Guest")
	html = get_response_content("service-quality")
	frappe.set_user("Administrator")
	assert now.strftime("%Y-%m") in html and w.a.institution in html
	for personal in ("张三", "13800138000", "护士态度差", "TS-"):
		assert personal not in html, personal
	assert 'id="hsq-sq-months"' in html and "viewport" in html


def test_figures_are_cached_for_ten_minutes(shared_world):
	w = shared_world
	first = transparency.public_figures()
	complaint(w.a.institution, frappe.utils.now_datetime())
	assert transparency.public_figures() == first  # cached
	transparency.clear_cache()
	assert transparency.public_figures()["total"]["received"] == first["total"]["received"] + 1


def test_guests_reach_the_page_over_http():
	response = request("GET", "/service-quality")
	assert response.status_code == 200
	assert 'id="hsq-sq-institutions"' in response.get_data(as_text=True)


def test_guests_get_the_site_language_unless_their_browser_asks_for_another():
	"""Frappe 15 gives guests English (it picks the language before the session): the app corrects it."""
	chinese = request("GET", "/service-quality").get_data(as_text=True)
	assert frappe._("Medical Service Quality", "zh") in chinese and "按月统计" in chinese
	english = request("GET", "/service-quality", environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"})
	assert "By Month" in english.get_data(as_text=True)
	complaint_page = request(
		"GET", "/complaint", environ_overrides={"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
	)
	assert frappe._("File a complaint", "zh") in complaint_page.get_data(as_text=True)

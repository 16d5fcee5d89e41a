"""Charts that say something (issue 13, item 11), in headless Chromium as the institution leader,
the bureau inspector and the bureau admin: no "null" group, labels in Chinese and never cut, a
trend over at least twelve months, rates as percentages with one decimal, and a click on a bar
opens the list of the records behind it. Screenshots go to test-output/screenshots/.
"""

import re

import frappe
import pytest
from complaint_steps import in_state, registered
from live import login, screenshot, wait_for_desk, wait_for_workspace

from hsq_app.complaints import workflow as wf

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(text: str) -> str:
	return frappe._(text, "zh")


def _widget(page, chart_name: str):
	"""The workspace's chart widget titled with the chart's Chinese name, drawn."""
	widget = page.locator(
		".widget.dashboard-widget-box", has=page.locator(".widget-title", has_text=zh(chart_name))
	)
	widget.first.locator("svg").first.wait_for(state="visible")
	page.wait_for_timeout(500)
	return widget.first


def _texts(widget, selector: str = "svg text") -> list[str]:
	return [t.strip() for t in widget.locator(selector).all_text_contents()]


def _x_labels(widget) -> list[str]:
	return [t for t in _texts(widget, "svg .x.axis text") if t]


def _list_filters(page, doctype: str) -> list:
	"""The filters of the list the desk routed to (as [field, operator, value])."""
	page.wait_for_url(f"**/app/{frappe.scrub(doctype).replace('_', '-')}**")
	wait_for_desk(page)
	page.wait_for_function(
		f"window.cur_list && cur_list.doctype === '{doctype}' && cur_list.filter_area"
		" && cur_list.filter_area.filter_list && cur_list.filter_area.standard_filters_wrapper"
	)
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(500)
	return page.evaluate("cur_list.filter_area.get().map((f) => [f[1], f[2], f[3]])")


def _goto_workspace(page, title: str):
	page.goto(f"/app/{title.lower().replace(' ', '-')}")
	wait_for_workspace(page)


@pytest.fixture
def complaints(web_users, cleanup):
	"""Complaints of hospital a this month: one registered (no department), one dispatched."""
	w = web_users
	cleanup += [registered(w), in_state(w, wf.DISPATCHED, category="Other")]
	frappe.db.commit()
	return cleanup


def test_the_leaders_dashboard_charts_say_something(browser, live_server, web_users, complaints):
	w = web_users
	page = login(browser, live_server, w.a.leader)
	_goto_workspace(page, "Leader Desk")
	screenshot(page, "charts-11-leader-desk")

	for name in ("Complaints per Month", "Complaints by Department", "Complaints by Category"):
		texts = _texts(_widget(page, name))
		assert not [t for t in texts if "null" in t.lower()], f"{name}: {texts}"
		assert not [t for t in texts if "..." in t or "…" in t], f"{name} cuts its labels: {texts}"

	# the trend: at least twelve months, each labelled in Chinese
	widget = _widget(page, "Complaints per Month")
	months = _x_labels(widget)
	assert len(months) >= 12, months
	heights = [
		float(h or 0)
		for h in widget.locator("svg rect.bar").evaluate_all("(r) => r.map((e) => e.getAttribute('height'))")
	]
	assert heights and heights[-1] > 0, heights  # this month's complaints
	ticks = [t for t in _texts(widget, "svg .y.axis text") if t]
	assert len(ticks) == len(set(ticks)), ticks  # no axis reads 0, 0, 1, 1
	screenshot(page, "charts-11-leader-months")
	assert all("月" in m for m in months), months

	# categories in Chinese, not "S…/O…"
	categories = _x_labels(_widget(page, "Complaints by Category"))
	assert zh("Service Attitude") in categories and zh("Other") in categories, categories
	assert all(CJK.search(c) for c in categories), categories

	# a category's bar opens the complaints of that category
	widget = _widget(page, "Complaints by Category")
	index = categories.index(zh("Other"))
	widget.locator("svg rect.bar").nth(index).click()
	filters = _list_filters(page, "HSQ Complaint")
	assert ["category", "=", "Other"] in filters, filters
	assert frappe.db.exists("HSQ Complaint", {"category": "Other"})
	assert page.evaluate("cur_list.data.length") >= 1
	screenshot(page, "charts-11-category-list")

	# this month's bar opens this month's complaints
	_goto_workspace(page, "Leader Desk")
	widget = _widget(page, "Complaints per Month")
	widget.locator("svg rect.bar").last.click()
	filters = _list_filters(page, "HSQ Complaint")
	received = [f for f in filters if f[0] == "received_at"]
	assert received and received[0][1] == "Between", filters
	start, end = received[0][2]
	today = frappe.utils.getdate()
	assert str(start)[:7] == today.strftime("%Y-%m") and str(end)[:7] == today.strftime("%Y-%m"), received
	assert page.evaluate("cur_list.data.length") >= 2
	page.context.close()


def test_a_group_without_a_value_is_labelled_and_opens_its_records(browser, live_server, web_users, cleanup):
	"""A closed complaint without a finding is a group of its own, 未填写, not "null"."""
	w = web_users
	name = registered(w)
	cleanup.append(name)
	frappe.db.set_value("HSQ Complaint", name, {"workflow_state": wf.CLOSED, "finding": None})
	frappe.db.commit()
	page = login(browser, live_server, w.inspector)
	_goto_workspace(page, "Inspection Desk")
	widget = _widget(page, "Complaints by Finding")
	screenshot(page, "charts-11-inspection-desk")
	texts = _texts(widget)
	assert not [t for t in texts if "null" in t.lower()], texts
	assert [t for t in texts if zh("Not Filled In") in t], texts

	# the empty group's slice opens the closed complaints without a finding
	paths = widget.locator("svg path")
	clicked = False
	for i in range(paths.count()):
		paths.nth(i).hover()
		page.wait_for_timeout(200)
		tip = widget.locator(".graph-svg-tip .title").first.text_content() or ""
		if zh("Not Filled In") in tip:
			paths.nth(i).click()
			clicked = True
			break
	assert clicked, "no slice shows 未填写"
	filters = _list_filters(page, "HSQ Complaint")
	assert ["finding", "is", "not set"] in filters, filters
	assert ["workflow_state", "=", "Closed"] in filters, filters
	names = page.evaluate("cur_list.data.map((d) => d.name)")
	assert name in names, names
	page.context.close()


def _report(page, report: str, **filters):
	query = "&".join(f"{k}={v}" for k, v in filters.items())
	page.goto(f"/app/query-report/{report}" + (f"?{query}" if query else ""))
	wait_for_desk(page)
	page.wait_for_function("window.frappe && frappe.query_report && frappe.query_report.report_name")
	page.wait_for_selector(".chart-wrapper svg .x.axis text", state="attached")
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(700)
	return page.locator(".chart-wrapper").first


def test_report_charts_show_twelve_months_rates_with_one_decimal_and_open_records(
	browser, live_server, web_users, complaints
):
	w = web_users
	# a resolved complaint of hospital a this month: the institution has a compliance rate
	complaints.append(in_state(w, wf.RESOLVED))
	frappe.db.commit()
	page = login(browser, live_server, w.bureau_admin)

	chart = _report(page, "SLA Compliance", group_by="Month")
	months = [t for t in _texts(chart, "svg .x.axis text") if t]
	screenshot(page, "charts-11-sla-months")
	assert len(months) >= 12 and all("月" in m for m in months), months

	chart = _report(page, "SLA Compliance", group_by="Institution", institution=w.a.institution)
	bar = chart.locator("svg rect.bar").first
	bar.hover()
	page.wait_for_timeout(300)
	tip = page.locator(".graph-svg-tip .tooltip-value").first.text_content()
	assert re.fullmatch(r"\d{1,3}\.\d%", tip.strip()), tip
	ticks = [t for t in _texts(chart, "svg .y.axis text") if t]
	assert ticks and all(t.endswith("%") for t in ticks), ticks
	screenshot(page, "charts-11-sla-rate")
	bar.click()
	filters = _list_filters(page, "HSQ Complaint")
	assert ["institution", "=", w.a.institution] in filters, filters
	assert ["resolved_at", "is", "set"] in filters, filters
	page.context.close()


def test_the_satisfaction_trend_spans_twelve_months():
	"""The follow-up satisfaction trend (its report and the dashboard chart drawn from it) shows every
	month of its default period, twelve, those without answers too."""
	from frappe.utils import add_months, get_first_day, get_last_day, getdate, today

	from hsq_app.follow_up.report.follow_up_satisfaction import follow_up_satisfaction as report

	start, end = get_first_day(add_months(today(), -11)), get_last_day(today())
	one = frappe._dict(period=getdate(today()).strftime("%Y-%m"), responses=1, overall=4.0)
	chart = report.chart([], [one], [], report.months(getdate(start), getdate(end)))
	assert len(chart["data"]["labels"]) == 12, chart["data"]["labels"]
	assert chart["data"]["datasets"][0]["values"][-1] == 4.0
	chart = report.execute({})[3]
	assert chart is None or len(chart["data"]["labels"]) >= 12

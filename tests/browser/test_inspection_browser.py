"""An inspector completes a visit on a phone (390 px): the checklist cards, a draft that survives a
reload before saving, the submit that proposes the rectification task of the failed item."""

import frappe
import pytest
from factories import make_department, make_institution, uid
from live import fresh, login, screenshot, wait_for_desk

from hsq_app.inspection.checklist import DEFAULT_TEMPLATE

pytestmark = pytest.mark.browser

POSTERS = "24小时投诉电话张贴不低于5处"


@pytest.fixture
def visit(web_users):
	"""A township centre and a draft visit planned by the inspector (committed; removed afterwards)."""
	w = web_users
	inst = make_institution(uid("浏览器镇卫生院"), type="Township Health Center", grade="Primary")
	make_department(inst, "公共卫生科")
	frappe.set_user(w.inspector)
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Inspection",
			"institution": inst,
			"template": DEFAULT_TEMPLATE,
			"team": "王督查、李督查",
		}
	).insert()
	frappe.set_user("Administrator")
	frappe.db.commit()  # the web server reads it from its own connection
	yield doc
	frappe.db.rollback()
	tasks = frappe.get_all("HSQ Rectification Task", filters={"source_name": doc.name}, pluck="name")
	for name in [doc.name, *tasks]:
		for dt, field in (("Comment", "reference_name"), ("Version", "docname"), ("ToDo", "reference_name")):
			frappe.db.delete(dt, {field: name})
	frappe.db.delete("HSQ Rectification Task", {"name": ("in", tasks or [""])})
	frappe.db.delete("HSQ Inspection Item", {"parent": doc.name})
	frappe.db.delete("HSQ Inspection", {"name": doc.name})
	frappe.db.delete("HSQ Department", {"institution": inst})
	frappe.db.delete("HSQ Institution", {"name": inst})
	frappe.db.commit()  # undo what the test committed


def card(page, item):
	return page.locator(".hsq-card", has=page.locator(".hsq-item", has_text=item))


def test_inspector_completes_a_visit_on_a_phone(browser, live_server, web_users, visit):
	page = login(browser, live_server, web_users.inspector)
	page.set_viewport_size({"width": 390, "height": 844})
	page.goto(f"/app/hsq-inspection/{visit.name}")
	wait_for_desk(page)
	page.wait_for_selector(".hsq-card")
	items = [r for r in visit.items]
	assert page.locator(".hsq-card").count() == len(items)

	# every item but the posters passes; the posters count is 3 (at least 5 required)
	for row in items:
		c = card(page, row.item)
		c.scroll_into_view_if_needed()
		if row.item == POSTERS:
			c.locator("input[data-field=count]").fill("3")
			c.locator("input[data-field=count]").dispatch_event("change")
			c.locator("textarea[data-field=note]").fill("仅门诊大厅、收费处、药房3处")
		elif row.check_type == "Count":
			c.locator("input[data-field=count]").fill(str(row.minimum))
			c.locator("input[data-field=count]").dispatch_event("change")
		elif row.check_type == "Score":
			c.locator("input[data-field=score]").fill(str(row.max_score))
			c.locator("input[data-field=score]").dispatch_event("change")
		else:
			c.locator("[data-result=Pass]").click()
	assert "is-fail" in card(page, POSTERS).get_attribute("class")
	# nothing overflows the phone's width
	assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
	screenshot(page, "inspection-phone-recorded")

	# the connection drops / the tab is closed before saving: the answers come back from this device
	page.reload()
	wait_for_desk(page)
	page.wait_for_selector(".hsq-draft-restored")
	posters = card(page, POSTERS)
	assert posters.locator("input[data-field=count]").input_value() == "3"
	assert posters.locator("textarea[data-field=note]").input_value() == "仅门诊大厅、收费处、药房3处"
	assert "is-fail" in posters.get_attribute("class")
	assert page.locator(".hsq-card.is-pass").count() == len(items) - 1
	assert fresh("HSQ Inspection", visit.name, "failed_count") == 0  # nothing was saved yet
	screenshot(page, "inspection-phone-draft-restored")

	# save, then submit: the failed item proposes one rectification task
	page.keyboard.press("Control+s")
	page.wait_for_function("() => !cur_frm.is_dirty()")
	page.locator(".hsq-actions .hsq-submit").click()
	page.locator(".modal.show .btn-modal-primary, .modal.show .btn-primary").first.click()
	page.wait_for_function("() => cur_frm.doc.status === 'Submitted'")
	page.wait_for_selector(".hsq-card a[href*='hsq-rectification-task']")
	screenshot(page, "inspection-phone-submitted")

	assert fresh("HSQ Inspection", visit.name, "status") == "Submitted"
	assert fresh("HSQ Inspection", visit.name, "failed_count") == 1
	tasks = frappe.get_all(
		"HSQ Rectification Task",
		filters={"source_type": "Inspection", "source_name": visit.name},
		fields=["problem"],
	)
	assert len(tasks) == 1 and POSTERS in tasks[0].problem
	# the draft is gone once the visit is saved
	assert page.evaluate(f"localStorage.getItem('hsq-inspection-draft:{visit.name}')") is None
	page.context.close()

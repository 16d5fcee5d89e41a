"""Staff answers stay anonymous (issue 15): no exact time is kept or shown for them, only the day:
not on the answer (creation, modified, submitted_at), its items, its day cell or a version."""

from __future__ import annotations

from datetime import time

import frappe
import pytest
from factories import uid
from frappe.utils import get_datetime, getdate, now_datetime, today
from rest import api_token, request

from hsq_app.survey import stats

SUBMIT = "/api/method/hsq_app.api.survey.submit"
MIDNIGHT = time(0, 0)


def midnight(value) -> bool:
	value = get_datetime(value)
	return value.time() == MIDNIGHT and value.date() == getdate(today())


@pytest.fixture
def staff_door(shared_world):
	frappe.cache.delete_keys("hsq:survey:")
	w = shared_world
	w.staff_code = frappe.db.get_value("HSQ Institution", w.a.institution, "staff_survey_code")
	w.code = frappe.db.get_value("HSQ Department", w.a.dept1, "survey_code")
	before = set(frappe.get_all("HSQ Survey Response", pluck="name"))
	yield w
	frappe.db.rollback()
	for name in frappe.get_all("HSQ Survey Response", pluck="name"):
		if name not in before:
			frappe.db.delete("HSQ Survey Answer", {"parent": name})
			frappe.db.delete("HSQ Survey Response", {"name": name})
	stats.rebuild(today(), today())
	frappe.db.commit()  # undo what the HTTP requests committed
	frappe.cache.delete_keys("hsq:survey:")


def test_a_staff_answer_keeps_only_its_day_in_everything_stored_and_shown(staff_door):
	w = staff_door
	r = request(
		"POST",
		SUBMIT,
		json_body={
			"code": w.staff_code,
			"overall_score": 2,
			"device": uid("staff"),
			"comment": "排班不合理",
			"answers": [{"item": "C1", "score": 2}],
		},
	)
	assert r.status_code == 200, r.body
	name = r.body["message"]["name"]
	frappe.db.rollback()

	# stored: the answer, its items, its day cell; no version of it
	row = frappe.db.get_value(
		"HSQ Survey Response", name, ["creation", "modified", "submitted_at"], as_dict=True
	)
	assert all(midnight(v) for v in row.values()), row
	items = frappe.get_all("HSQ Survey Answer", filters={"parent": name}, fields=["creation", "modified"])
	assert items and all(midnight(i.creation) and midnight(i.modified) for i in items)
	cell = frappe.db.get_value(
		"HSQ Survey Day Stat",
		{"day": today(), "kind": "Staff", "institution": w.a.institution},
		["creation", "modified"],
		as_dict=True,
	)
	assert midnight(cell.creation) and midnight(cell.modified)
	assert not frappe.db.exists("Version", {"ref_doctype": "HSQ Survey Response", "docname": name})

	# shown: what the bureau admin reads over REST, the form and the list
	token = api_token(w.bureau_admin)
	doc = request("GET", f"/api/resource/HSQ Survey Response/{name}", token=token)
	assert doc.status_code == 200, doc.body
	data = doc.body["data"]
	for field in ("creation", "modified", "submitted_at"):
		assert get_datetime(data[field]).time() == MIDNIGHT, (field, data[field])
	for item in data["answers"]:
		assert get_datetime(item["creation"]).time() == MIDNIGHT
	listed = request(
		"GET",
		"/api/resource/HSQ Survey Response",
		token=token,
		query_string={
			"filters": frappe.as_json([["name", "=", name]]),
			"fields": frappe.as_json(["creation", "modified", "submitted_at"]),
		},
	)
	assert listed.status_code == 200, listed.body
	assert all(get_datetime(v).time() == MIDNIGHT for v in listed.body["data"][0].values())

	# a patient's answer keeps its time (the closed loop's clock starts from it)
	r = request("POST", SUBMIT, json_body={"code": w.code, "overall_score": 5, "device": uid("d")})
	frappe.db.rollback()
	stamp = frappe.db.get_value("HSQ Survey Response", r.body["message"]["name"], "submitted_at")
	assert abs((now_datetime() - stamp).total_seconds()) < 600


def test_a_staff_answer_saved_through_the_document_keeps_only_its_day(shared_world):
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Survey Response",
			"kind": "Staff",
			"source": "Staff Link",
			"institution": shared_world.a.institution,
			"department": shared_world.a.dept1,
			"overall_score": 4,
			"submitted_at": now_datetime(),
			"answers": [{"item": "C1", "score": 4}],
		}
	).insert(ignore_permissions=True)
	doc.reload()
	assert not doc.department
	assert all(midnight(v) for v in (doc.creation, doc.modified, doc.submitted_at))
	assert all(midnight(a.creation) for a in doc.answers)
	doc.comment = "补充"
	doc.save(ignore_permissions=True)
	assert midnight(frappe.db.get_value("HSQ Survey Response", doc.name, "modified"))

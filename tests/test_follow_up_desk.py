"""Desk surfaces of the follow-ups: workspace, number cards, coverage and satisfaction reports."""

import json

import frappe
import pytest
from factories import (
	as_user,
	complete_follow_up,
	discharge_by_mrn,
	discharge_row,
	follow_ups_of,
	frozen,
	set_settings,
)

from hsq_app.api.follow_up import coverage_this_month, import_discharges


@pytest.fixture
def worked(shared_world):
	"""One March patient per hospital; hospital a's stage 0 completed, b's stage 0 unreachable."""
	w = shared_world
	set_settings(follow_up_offsets="0,7,30")
	rows = {
		"a": discharge_row(w.a.institution, w.a.dept1, "2026-03-02"),
		"b": discharge_row(w.b.institution, w.b.dept2, "2026-03-02"),
	}
	import_discharges(list(rows.values()))
	w.fu = {
		k: follow_ups_of(discharge_by_mrn(w[k].institution, r["medical_record_no"])) for k, r in rows.items()
	}
	with frozen("2026-03-03 10:00:00"):
		complete_follow_up(w.fu["a"][0].name, 4, {"Fees": 2})
		complete_follow_up(w.fu["b"][0].name, status="Unreachable")
	return w


def run_report(name, filters):
	from frappe.desk.query_report import run

	return run(name, filters=filters, ignore_prepared_report=True)


def test_the_workspace_and_its_cards_are_installed():
	workspace = frappe.get_doc("Workspace", "回访工作台")
	assert workspace.module == "Follow Up" and workspace.public
	cards = {c.number_card_name for c in workspace.number_cards}
	assert {"Follow Ups Due Today", "Overdue Follow Ups", "Follow Up Coverage This Month"} <= cards
	for card in cards:
		assert frappe.db.exists("Number Card", card)
	for chart in workspace.charts:
		assert frappe.db.exists("Dashboard Chart", chart.chart_name)
	assert frappe.db.get_value("Report", "Follow Up Coverage", "report_type") == "Script Report"
	assert frappe.db.exists("Print Format", "HSQ Follow Up Monthly Report Archive")


def test_number_cards_count_only_what_the_user_sees(worked):
	from frappe.desk.doctype.number_card.number_card import get_result

	w = worked
	card = frappe.get_doc("Number Card", "Overdue Follow Ups")
	as_user(w.a.agent)
	mine = get_result(card.as_dict(), json.loads(card.filters_json))
	as_user(w.bureau_admin)
	everyone = get_result(card.as_dict(), json.loads(card.filters_json))
	assert mine >= 2 and everyone >= mine + 2  # b's overdue stages are not a's agent's business


def test_coverage_card_for_this_month(shared_world):
	w = shared_world
	set_settings(follow_up_offsets="0")
	today = frappe.utils.getdate()
	day = today.replace(day=1)
	while day.weekday() >= 5:  # a working day this month, not after today
		day = frappe.utils.add_days(day, 1)
	if day > today:
		pytest.skip("no working day of this month has passed yet")
	row = discharge_row(w.a.institution, w.a.dept1, str(day))
	import_discharges([row])
	as_user(w.a.agent)
	card = coverage_this_month()
	assert card["fieldtype"] == "Percent" and card["route"] == ["query-report", "Follow Up Coverage"]
	before = card["value"]
	complete_follow_up(follow_ups_of(discharge_by_mrn(w.a.institution, row["medical_record_no"]))[0].name)
	assert coverage_this_month()["value"] > before or before == 100


def test_coverage_report_per_institution_respects_isolation(worked):
	w = worked
	filters = {"from_date": "2026-03-01", "to_date": "2026-03-31"}
	as_user(w.a.officer)
	result = run_report("Follow Up Coverage", filters)
	rows = {r["institution"]: r for r in result["result"]}
	assert set(rows) == {w.a.institution}
	assert rows[w.a.institution]["completed"] >= 1 and rows[w.a.institution]["planned"] >= 2
	as_user(w.inspector)
	rows = {r["institution"]: r for r in run_report("Follow Up Coverage", filters)["result"]}
	assert {w.a.institution, w.b.institution} <= set(rows) and w.bureau not in rows
	assert rows[w.b.institution]["unreachable"] >= 1
	assert result["chart"]["type"] == "bar"


def test_satisfaction_by_dimension_and_department_over_time(worked):
	w = worked
	as_user(w.a.leader)
	result = run_report(
		"Follow Up Satisfaction",
		{"from_date": "2026-01-01", "to_date": "2026-04-30", "institution": w.a.institution},
	)
	columns = {c["fieldname"]: c["label"] for c in result["columns"]}
	rows = [r for r in result["result"] if r["department"] == w.a.dept1 and r["period"] == "2026-03"]
	assert len(rows) == 1 and rows[0]["overall"] == 4
	fees = next(k for k, label in columns.items() if label in ("Fees", "医疗收费"))
	assert rows[0][fees] == 2
	chart = result["chart"]
	assert "2026-03" in chart["data"]["labels"]
	# months as a line; a single month as bars (a line of one point draws nothing)
	assert chart["type"] == ("line" if len(chart["data"]["labels"]) > 1 else "bar")
	as_user(w.b.officer)
	other = run_report("Follow Up Satisfaction", {"from_date": "2026-01-01", "to_date": "2026-04-30"})
	assert all(r["institution"] == w.b.institution for r in other["result"])


def test_a_corrected_phone_reaches_the_open_follow_ups(worked):
	w = worked
	as_user(w.a.agent)
	record = frappe.get_doc(
		"HSQ Discharge Record", frappe.db.get_value("HSQ Follow Up", w.fu["a"][0].name, "discharge_record")
	)
	record.patient_phone = "139 2222 3333"
	record.save()
	phones = {f.name: frappe.db.get_value("HSQ Follow Up", f.name, "patient_phone") for f in w.fu["a"]}
	assert phones[w.fu["a"][0].name] == "13800138000"  # the completed call keeps the number it was made on
	assert phones[w.fu["a"][1].name] == phones[w.fu["a"][2].name] == "13922223333"

"""Desk surfaces of complaint work: ledger report, number cards, workspace."""

import frappe
import pytest
from complaint_steps import in_state, registered
from factories import as_user, make_complaint


def run_ledger(filters=None):
	from frappe.desk.query_report import run

	return run("Complaint Ledger", filters=filters or {}, ignore_prepared_report=True)


def test_ledger_shows_only_what_the_viewer_may_see(shared_world):
	w = shared_world
	mine = in_state(w, "Dispatched")
	other_dept = registered(w)
	as_user(w.b.officer)
	as_user(w.a.handler1)
	names = {r["name"] for r in run_ledger()["result"] if isinstance(r, dict)}
	assert mine in names and other_dept not in names
	as_user(w.b.officer)
	names = {r["name"] for r in run_ledger()["result"] if isinstance(r, dict)}
	assert mine not in names and other_dept not in names
	as_user(w.inspector)
	result = run_ledger({"institution": w.a.institution})
	names = {r["name"] for r in result["result"] if isinstance(r, dict)}
	assert {mine, other_dept} <= names
	assert any(c["fieldname"] == "complainant_name" for c in result["columns"])


def test_anonymous_rows_say_anonymous(shared_world):
	w = shared_world
	name = registered(w, is_anonymous=1)
	as_user(w.a.officer)
	row = next(r for r in run_ledger()["result"] if isinstance(r, dict) and r["name"] == name)
	assert row["complainant_name"] == "匿名" or row["complainant_name"] == "Anonymous"


def test_number_cards_and_workspace_are_installed():
	for card in ("My Open Complaints", "Complaints Awaiting Approval", "Overdue Complaints"):
		assert frappe.db.exists("Number Card", card)
	ws = frappe.get_doc("Workspace", "Complaints")
	assert {c.number_card_name for c in ws.number_cards} >= {"My Open Complaints", "Overdue Complaints"}
	assert frappe.db.exists("Report", "Complaint Ledger")


def test_my_open_complaints_card_counts_my_assignments(shared_world):
	from frappe.desk.doctype.number_card.number_card import get_result

	w = shared_world
	in_state(w, "Dispatched")
	as_user(w.a.head1)
	card = frappe.get_doc("Number Card", "My Open Complaints")
	count = get_result(card.as_dict(), [["HSQ Complaint", "_assign", "like", f"%{w.a.head1}%"]])
	assert count >= 1


def test_ledger_shows_the_latest_rows_and_counts_them_all(shared_world, monkeypatch):
	"""The desk shows the latest rows up to the chosen limit; the summary and the chart count
	every complaint the viewer may see under the filters (one grouped query)."""
	from hsq_app.complaints.report.complaint_ledger import complaint_ledger

	w = shared_world
	first = registered(w, received_at=frappe.utils.add_days(frappe.utils.now_datetime(), -1))
	second = registered(w, received_at=frappe.utils.now_datetime())
	as_user(w.b.officer)
	elsewhere = make_complaint(w.b.institution).name
	as_user(w.a.officer)
	visible = frappe.get_list("HSQ Complaint", pluck="name", limit_page_length=0)
	monkeypatch.setattr(complaint_ledger, "LIMITS", (1, *complaint_ledger.LIMITS))
	result = run_ledger({"limit": "1"})
	rows = [r for r in result["result"] if isinstance(r, dict)]
	assert [r["name"] for r in rows] == [second]  # the latest one
	summary = {s["label"]: s["value"] for s in result["report_summary"]}
	assert summary[frappe._("Number of Complaints")] == len(visible) >= 2
	assert sum(result["chart"]["data"]["datasets"][0]["values"]) == len(visible)
	assert str(len(visible)) in result["message"]
	assert first in visible and elsewhere not in visible

	result = run_ledger()  # the default limit shows them all
	assert result["message"] is None
	assert {r["name"] for r in result["result"] if isinstance(r, dict)} == set(visible)


def test_ledger_shows_the_latest_500_by_default_in_the_desk_and_on_the_server():
	"""The desk's "Rows Shown" filter starts at the server's default, the smallest choice: a
	busy county's month opens at once, and the message offers more."""
	import re
	from pathlib import Path

	from hsq_app.complaints.report.complaint_ledger import complaint_ledger

	script = Path(complaint_ledger.__file__).with_suffix(".js").read_text()
	limit = re.search(r'fieldname: "limit",[^}]*default: "(\d+)"', script, re.S)
	assert complaint_ledger.DEFAULT_LIMIT == int(limit.group(1)) == min(complaint_ledger.LIMITS) == 500


def test_ledger_refuses_a_limit_it_does_not_offer(shared_world):
	w = shared_world
	as_user(w.a.officer)
	with pytest.raises(frappe.ValidationError):
		run_ledger({"limit": "999999"})

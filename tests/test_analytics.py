"""Role workspaces and the monthly bureau summary."""

import frappe
import pytest
from factories import as_user, make_complaint
from frappe.utils import get_first_day, now_datetime

from hsq_app.install.desk import ROLE_WORKSPACES, landing_workspace


@pytest.mark.parametrize("role,workspace", ROLE_WORKSPACES)
def test_each_role_lands_on_its_workspace(role, workspace):
	assert frappe.db.exists("Workspace", workspace)
	assert landing_workspace([role]) == workspace


def test_staff_users_get_their_landing_workspace(shared_world):
	w = shared_world
	expected = {
		w.bureau_admin: "Bureau Desk",
		w.inspector: "Inspection Desk",
		w.a.leader: "Leader Desk",
		w.a.officer: "Complaints",
		w.a.head1: "Department Desk",
		w.a.handler1: "Handler Desk",
		w.a.agent: "回访工作台",
	}
	for user, workspace in expected.items():
		assert frappe.db.get_value("User", user, "default_workspace") == workspace, user


def test_role_workspaces_show_only_to_their_roles(shared_world):
	from frappe.desk.desktop import get_workspace_sidebar_items

	as_user(shared_world.a.handler1)
	pages = {p["name"] for p in get_workspace_sidebar_items()["pages"]}
	assert "Handler Desk" in pages
	assert not {"Bureau Desk", "Inspection Desk", "Leader Desk", "Website", "Build"} & pages


def summary(**filters):
	from frappe.desk.query_report import run

	# a slow run on a loaded machine flips a report to "prepared" (Frappe, 15 s): run it directly
	return {
		r["institution"]: r
		for r in run("Monthly Bureau Summary", filters=filters, ignore_prepared_report=True)["result"]
	}


def test_monthly_summary_counts_and_isolation(shared_world):
	w = shared_world
	month = str(get_first_day(now_datetime()))
	before = summary(month=month, institution=w.a.institution).get(w.a.institution, {})
	make_complaint(w.a.institution, finding="Upheld")
	make_complaint(w.a.institution).db_set("escalation_level", 1)  # as the SLA sweep sets it
	after = summary(month=month, institution=w.a.institution)[w.a.institution]
	assert (after.get("received") or 0) == (before.get("received") or 0) + 2
	assert (after.get("upheld") or 0) == (before.get("upheld") or 0) + 1
	assert (after.get("escalated") or 0) == (before.get("escalated") or 0) + 1
	as_user(w.a.leader)
	assert set(summary(month=month)) == {w.a.institution}
	as_user(w.inspector)
	assert {w.a.institution, w.b.institution} <= set(summary(month=month))


def test_a_slow_run_never_turns_the_apps_reports_into_background_reports():
	"""Frappe makes any script report that once ran over 15 s a prepared report for good (a timer
	calls enable_prepared_report); the app's reports stay live (hsq_app.boot)."""
	from frappe.core.doctype.report import report as report_module

	from hsq_app.boot import app_reports

	names = [r for r in frappe.get_all("Report", filters={"is_standard": "Yes"}, pluck="name")]
	ours = [r for r in names if frappe.scrub(r) in app_reports()]
	assert "Monthly Bureau Summary" in ours and len(ours) >= 10
	for name in ours:
		report_module.enable_prepared_report(report=name, site=frappe.local.site)
		assert not frappe.db.get_value("Report", name, "prepared_report"), name

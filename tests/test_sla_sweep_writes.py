"""What the SLA sweep's writes cost the database (issue 14, part 6): the covering indexes it no longer
moves, and the job's own session settings (minimal binary-log row images where the database user
may ask for them), put back whatever happens."""

import datetime as dt
import importlib

import frappe
import pytest
from factories import committed, make_complaint

from hsq_app.complaints import sla
from hsq_app.complaints.doctype.hsq_complaint.hsq_complaint import ANALYTICS_INDEXES
from hsq_app.patches.v1 import analytics_indexes_without_sla_columns, chart_indexes_for_channel_and_finding
from hsq_app.utils.indexes import ensure_index, index_columns

D = dt.datetime
job = importlib.import_module("hsq_app.complaints.sla.sweep")  # (sla.sweep is the function)
SWEPT = ("sla_status", "escalation_level")  # the columns the sweep changes


def session(name):
	return frappe.db.sql(f"SELECT @@SESSION.{name}")[0][0]


def may_set(name, value) -> bool:
	"""Whether this database user may change ``name`` for its session (left as it was)."""
	before = session(name)
	try:
		frappe.db.sql(f"SET SESSION {name} = %s", (value,))
	except Exception as e:
		if job._refused(e):
			return False
		raise
	frappe.db.sql(f"SET SESSION {name} = %s", (before,))
	return True


@pytest.fixture
def swept(shared_world, monkeypatch):
	"""The production job, which commits; what it leaves is deleted afterwards."""
	w = shared_world
	monkeypatch.setattr(frappe, "enqueue", lambda method, **kw: None)
	heads = ("deputy_head", "principal_head")
	with committed(("HSQ Institution", w.a.institution, heads)):
		frappe.db.set_value(
			"HSQ Institution", w.a.institution, {"deputy_head": w.a.leader, "principal_head": w.a.admin}
		)
		yield w


def overdue_complaint(w):
	"""Received 2025-09-30: breached and due for level 1 on 2025-10-15 09:00."""
	doc = make_complaint(w.a.institution, department=w.a.dept1, received_at=D(2025, 9, 30, 10))
	frappe.db.set_value("HSQ Complaint", doc.name, "sla_status", "On Track")
	return doc.name


# the covering indexes


def test_the_charts_covering_indexes_hold_no_column_the_sweep_changes():
	for name, columns in ANALYTICS_INDEXES.items():
		assert index_columns("HSQ Complaint", name) == columns
		assert not set(columns) & set(SWEPT), name
	# what the workspace charts group by and filter on stays in them (covered reads)
	charted = {"received_at", "docstatus", "institution", "department", "workflow_state"}
	assert {"category", "channel"} | charted <= set(ANALYTICS_INDEXES["hsq_received_category_index"])
	assert {"finding"} | charted <= set(ANALYTICS_INDEXES["hsq_received_finding_index"])
	# the sweep's own indexes are still there
	for name, columns in job_indexes().items():
		assert index_columns("HSQ Complaint", name) == columns


def job_indexes():
	from hsq_app.complaints.sla.defaults import COMPLAINT_INDEXES

	return COMPLAINT_INDEXES


def test_the_patch_rebuilds_an_old_sites_indexes_and_changes_nothing_twice():
	"""A site made before: the same index names with sla_status and escalation_level in them."""
	old = {  # (as main had them before)
		"hsq_received_analytics_index": [
			"received_at",
			"institution",
			"workflow_state",
			"resolved_at",
			"resolve_by",
			"escalation_level",
			"extension_days",
			"finding",
			"department",
			"channel",
			"docstatus",
		],
		"hsq_received_category_index": [
			"received_at",
			"docstatus",
			"category",
			"sla_status",
			"workflow_state",
			"institution",
			"department",
		],
	}
	try:
		for name, columns in old.items():
			assert ensure_index("HSQ Complaint", columns, name)
			assert index_columns("HSQ Complaint", name) == columns
		analytics_indexes_without_sla_columns.execute()
		for name, columns in ANALYTICS_INDEXES.items():
			assert index_columns("HSQ Complaint", name) == columns
		analytics_indexes_without_sla_columns.execute()  # run again: nothing to do
		chart_indexes_for_channel_and_finding.execute()  # the later patch: nothing left to do either
		assert not any(ensure_index("HSQ Complaint", c, n) for n, c in ANALYTICS_INDEXES.items())
	finally:
		for name, columns in ANALYTICS_INDEXES.items():
			ensure_index("HSQ Complaint", columns, name)


def test_the_chart_patch_brings_the_channel_and_finding_charts_their_indexes():
	"""A site made before: the category index without the channel, no finding index."""
	before = ["received_at", "docstatus", "category", "workflow_state", "institution", "department"]
	try:
		assert ensure_index("HSQ Complaint", before, "hsq_received_category_index")
		frappe.db.sql_ddl("ALTER TABLE `tabHSQ Complaint` DROP INDEX `hsq_received_finding_index`")
		assert index_columns("HSQ Complaint", "hsq_received_finding_index") == []
		chart_indexes_for_channel_and_finding.execute()
		for name, columns in ANALYTICS_INDEXES.items():
			assert index_columns("HSQ Complaint", name) == columns
	finally:
		for name, columns in ANALYTICS_INDEXES.items():
			ensure_index("HSQ Complaint", columns, name)


def test_a_missing_index_is_added():
	name = "hsq_test_ensure_index"
	try:
		assert index_columns("HSQ Complaint", name) == []
		assert ensure_index("HSQ Complaint", ["channel", "received_at"], name)
		assert index_columns("HSQ Complaint", name) == ["channel", "received_at"]
	finally:
		frappe.db.sql_ddl(f"ALTER TABLE `tabHSQ Complaint` DROP INDEX IF EXISTS `{name}`")


# the job's session


def test_the_sweep_writes_with_its_settings_and_puts_them_back(swept, monkeypatch):
	"""During the run: READ COMMITTED, and minimal row images where the user may set them (a site's
	user may not: then the run goes on with what it had). Afterwards: as before."""
	name = overdue_complaint(swept)
	frappe.db.commit()
	before = {var: session(var) for var in ("tx_isolation", "binlog_row_image")}
	minimal = may_set("binlog_row_image", "MINIMAL")
	seen = {}
	real = job._lift

	def lift():
		seen.update({var: session(var) for var in before})
		real()

	monkeypatch.setattr(job, "_lift", lift)
	assert sla.sweep(now=D(2025, 10, 15, 9))["escalated"] >= 1
	assert seen == {
		"tx_isolation": "READ-COMMITTED",
		"binlog_row_image": "MINIMAL" if minimal else before["binlog_row_image"],
	}
	assert {var: session(var) for var in before} == before
	assert frappe.db.get_value("HSQ Complaint", name, ["sla_status", "escalation_level"]) == ("Breached", 1)


@pytest.mark.parametrize("failing", ["_lift", "_update_statuses"])
def test_a_sweep_that_fails_puts_its_settings_back(swept, monkeypatch, failing):
	"""Every setting the job changed is restored when it dies midway; a setting this user may set
	(optimizer_search_depth) stands in for the binary log's where the user may not set that."""
	settings = (*job.SESSION_SETTINGS, ("optimizer_search_depth", 7))
	monkeypatch.setattr(job, "SESSION_SETTINGS", settings)
	name = overdue_complaint(swept)
	frappe.db.commit()
	before = {var: session(var) for var, _value in settings}
	allowed = {var: value for var, value in settings if may_set(var, value)}
	assert "optimizer_search_depth" in allowed and session("optimizer_search_depth") != 7
	seen = {}

	def crash(*args, **kwargs):
		seen.update({var: session(var) for var in before})
		raise RuntimeError("the worker died")

	monkeypatch.setattr(job, failing, crash)
	with pytest.raises(RuntimeError):
		sla.sweep(now=D(2025, 10, 15, 9))
	assert {var: str(seen[var]) for var in allowed} == {var: str(v) for var, v in allowed.items()}
	assert {var: session(var) for var in before} == before
	frappe.db.rollback()
	assert frappe.db.get_value("HSQ Complaint", name, "escalation_level") == 0


def test_a_setting_refused_to_the_user_is_skipped_and_the_run_goes_on(swept, monkeypatch):
	"""binlog_row_image needs SUPER or BINLOG ADMIN; a refusal leaves it as it was, any other error
	stops the job."""
	real_sql = frappe.db.sql

	def sql(query, *args, **kwargs):
		if query.startswith("SET SESSION binlog_row_image"):
			raise Exception(job.ACCESS_DENIED, "Access denied; you need the SUPER privilege")
		return real_sql(query, *args, **kwargs)

	name = overdue_complaint(swept)
	frappe.db.commit()
	before = session("binlog_row_image")
	isolation = session("tx_isolation")
	monkeypatch.setattr(frappe.db, "sql", sql)
	assert sla.sweep(now=D(2025, 10, 15, 9))["escalated"] >= 1
	monkeypatch.setattr(frappe.db, "sql", real_sql)
	assert session("binlog_row_image") == before
	assert frappe.db.get_value("HSQ Complaint", name, "escalation_level") == 1

	def broken(query, *args, **kwargs):
		if query.startswith("SET SESSION binlog_row_image"):
			raise RuntimeError("the connection dropped")
		return real_sql(query, *args, **kwargs)

	monkeypatch.setattr(frappe.db, "sql", broken)
	with pytest.raises(RuntimeError):
		sla.sweep(now=D(2025, 10, 15, 9))
	monkeypatch.setattr(frappe.db, "sql", real_sql)
	assert (session("tx_isolation"), session("binlog_row_image")) == (isolation, before)

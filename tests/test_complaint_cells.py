"""Per-day complaint cells (issue 14, part 6): the SLA Compliance report, the Complaint Ledger's
figures and the Monthly Bureau Summary's complaint figures added up from the cells give the same
figures as counting the complaints themselves, after every door that changes a complaint, for every
grouping, and only within the user's scope."""

import datetime as dt

import frappe
import pytest
from complaint_steps import RESOLUTION, act, in_state
from factories import as_user, committed, make_complaint
from frappe.desk.query_report import run
from frappe.utils import add_days, add_to_date, get_datetime, getdate, now_datetime, today

from hsq_app.complaints import ledger_stats, repeats, sla, stats
from hsq_app.complaints.report.complaint_ledger import complaint_ledger
from hsq_app.complaints.report.sla_compliance import sla_compliance
from hsq_app.hsq_setup.report.monthly_bureau_summary import monthly_bureau_summary
from hsq_app.utils import work_calendar as wc

GROUPS = ("Institution", "Department", "Channel", "Month")
COUNTS = ("total", "met", "late", "overdue", "open_on_time", "escalated", "extended")


def figures(rows):
	"""Each group's figures; the empty months the report lists for its trend (no complaint in
	them) are left out: the complaints' own count has no row for them."""
	return {
		r["grp_value"]: (
			*(int(r[f] or 0) for f in COUNTS),
			r["compliance"],
			r["avg_days"],
		)
		for r in rows
		if any(int(r[f] or 0) for f in COUNTS)
	}


def from_cells(user, **filters):
	"""The report as the desk runs it, as ``user`` (the cells)."""
	as_user(user)
	try:
		return figures(run("SLA Compliance", filters=filters, ignore_prepared_report=True)["result"])
	finally:
		frappe.set_user("Administrator")


def from_rows(user, **filters):
	"""The same figures counted from the complaints (what the report read before the cells)."""
	as_user(user)
	try:
		filters = frappe._dict(filters)
		group_by = filters.group_by or "Institution"
		return figures(sla_compliance.rows_from_complaints(filters, group_by))
	finally:
		frappe.set_user("Administrator")


def assert_same(user, **filters):
	for group_by in GROUPS:
		cells = from_cells(user, group_by=group_by, **filters)
		rows = from_rows(user, group_by=group_by, **filters)
		assert cells == rows, (user, group_by, filters)
	assert_ledger_same(user, **filters)
	assert_monthly_same(user)
	return from_cells(user, group_by="Institution", **filters)


def ledger_figures(groups):
	return sorted((g.category, g.workflow_state, g.sla_status, int(g.n)) for g in groups if g.n)


def assert_ledger_same(user, **filters):
	"""The Complaint Ledger's figures from the cells equal the grouped count of the complaints
	under the same filters and permissions (and the report as the desk runs it shows them)."""
	as_user(user)
	try:
		f = frappe._dict(filters)
		conditions = complaint_ledger.build_filters(f)
		cells = ledger_stats.ledger_groups(f, conditions)
		rows = complaint_ledger.counts_from_complaints(conditions)
		if f.channel or f.finding:
			assert cells is None  # the cells do not hold these: the report counts the complaints
		else:
			assert cells is not None, (user, filters)
			assert ledger_figures(cells) == ledger_figures(rows), (user, filters)
		report = run("Complaint Ledger", filters=filters, ignore_prepared_report=True)
		shown = {s["label"]: s["value"] for s in report["report_summary"]}
		assert sum(shown.values()) == sum(
			figure["value"] for figure in complaint_ledger.summary(rows, sum(g.n for g in rows))
		)
		return ledger_figures(rows)
	finally:
		frappe.set_user("Administrator")


def monthly_figures(part, user, month):
	"""The Monthly Bureau Summary's complaint figures of a month, as ``user``, by ``part``."""
	as_user(user)
	try:
		institutions = monthly_bureau_summary.institutions_in_scope(None)
		start = getdate(month).replace(day=1)
		end = add_days(add_to_date(start, months=1), -1)
		out = {i: {} for i in institutions}
		part(out, institutions, start, (start, end, f"{end} 23:59:59"))
		return {
			i: {k: (v if k == "on_time_rate" else int(v or 0)) for k, v in r.items() if k != "institution"}
			for i, r in out.items()
		}
	finally:
		frappe.set_user("Administrator")


def assert_monthly_same(user, months=(0, -1, -2)):
	for n in months:
		month = add_to_date(getdate(today()), months=n)
		cells = monthly_figures(monthly_bureau_summary._complaints, user, month)
		rows = monthly_figures(monthly_bureau_summary._complaints_from_complaints, user, month)
		assert cells == rows, (user, month)


def cells_snapshot():
	fields = ["name", "day", "institution", "department", "channel", "deadline_day", "total", "met"]
	fields += ["late", "open", "escalated", "extended", "resolved", "resolved_days"]
	return (
		[
			sorted(tuple(r) for r in frappe.get_all(table, fields=fields, as_list=True))
			for table in (stats.DAY_STAT, stats.MONTH_STAT)
		]
		+ [
			sorted(tuple(r) for r in frappe.get_all(table, fields=LEDGER_FIELDS, as_list=True))
			for table in (ledger_stats.DAY_STAT, ledger_stats.MONTH_STAT)
		]
		+ [
			sorted(
				tuple(r)
				for r in frappe.get_all(
					ledger_stats.RESOLUTION_STAT,
					fields=["name", "day", "institution", "resolved", "on_time"],
					as_list=True,
				)
			)
		]
	)


LEDGER_FIELDS = ["name", "day", "institution", "department", "category", "workflow_state", "sla_status"]
LEDGER_FIELDS += ["running", "deadline_day", "warn_day", "total", "upheld", "escalated"]


def assert_cells_equal_rebuild():
	kept = cells_snapshot()
	stats.rebuild()
	assert kept == cells_snapshot()


PERIOD = {"from_date": "2025-01-01", "to_date": str(add_days(today(), 1))}


@pytest.fixture
def world(shared_world):
	stats.rebuild()  # a clean start: other tests' committed jobs delete complaints behind the hooks
	return shared_world


def test_cells_equal_the_complaints_after_every_door(world):
	w = world
	now = now_datetime()
	past = add_to_date(now, days=-40)
	made = []
	# a varied month of complaints in both hospitals, by channel and department
	for i, channel in enumerate(("On-site", "Hotline", "12345 Hotline", "WeChat", "Website")):
		for key, dept in (("a", "dept1"), ("a", "dept2"), ("b", "dept1")):
			made.append(
				make_complaint(
					w[key].institution,
					channel=channel,
					department=w[key][dept],
					received_at=add_to_date(past, days=i, hours=i),
					is_complex=i % 2,
				).name
			)
	made.append(make_complaint(w.a.institution, received_at=past).name)  # no department
	assert_same("Administrator", **PERIOD)

	# the workflow: resolved, closed, reopened, a finding pending, not accepted
	resolved = in_state(w, "Resolved", department=w.a.dept1, received_at=add_to_date(now, days=-3))
	closed = in_state(w, "Resolved", channel="Hotline", received_at=add_to_date(now, days=-20))
	act(w.a.officer, closed, "Close", complainant_feedback="Satisfied")
	reopened = in_state(w, "Resolved", channel="WeChat", received_at=add_to_date(now, days=-15))
	act(w.a.officer, reopened, "Reopen", complainant_feedback="Dissatisfied")
	pending = in_state(w, "In Progress", received_at=add_to_date(now, days=-9))
	act(w.a.handler1, pending, "Submit for Approval", **RESOLUTION)
	as_user(w.a.officer)
	refused = make_complaint(w.a.institution, received_at=add_to_date(now, days=-2)).name
	frappe.set_user("Administrator")
	act(w.a.leader, refused, "Not Accept", non_acceptance_reason="不属于受理范围")
	assert frappe.db.get_value("HSQ Complaint", refused, "workflow_state") == "Not Accepted"
	assert_same("Administrator", **PERIOD)

	# open complaints whose deadline passed yesterday, passes today (earlier and later), tomorrow
	midnight = get_datetime(getdate(now))
	for name, deadline in zip(
		made[:5],
		(
			midnight - dt.timedelta(hours=2),
			midnight + dt.timedelta(minutes=1),
			midnight + dt.timedelta(hours=23, minutes=59),
			midnight + dt.timedelta(days=1, hours=10),
			None,
		),
		strict=True,
	):
		frappe.get_doc("HSQ Complaint", name).db_set("resolve_by", deadline)
	# an extension and an escalation written as their doors write them (db_set)
	frappe.get_doc("HSQ Complaint", made[5]).db_set({"extension_days": 5, "escalation_level": 2})
	assert_same("Administrator", **PERIOD)

	# moved to another department, then to the other hospital
	doc = frappe.get_doc("HSQ Complaint", made[6])
	doc.department = w.a.dept2
	doc.save()
	doc = frappe.get_doc("HSQ Complaint", made[7])
	doc.institution, doc.department = w.b.institution, w.b.dept2
	doc.save()
	# received on another day (corrected at registration)
	doc = frappe.get_doc("HSQ Complaint", made[8])
	doc.received_at = add_to_date(doc.received_at, days=-3)
	doc.save()
	# merged into an earlier complaint: it counts nowhere any more
	as_user(w.a.officer)
	repeats.merge_duplicate(made[10], made[0])
	frappe.set_user("Administrator")
	# complaints are never deleted: the cells stay as they are
	with pytest.raises(frappe.ValidationError):
		frappe.delete_doc("HSQ Complaint", made[11])
	assert_same("Administrator", **PERIOD)

	# isolation: a hospital's officer and a department's head see their own, with the same figures
	officer = assert_same(w.a.officer, **PERIOD)
	assert set(officer) == {w.a.institution}
	assert set(from_cells(w.a.head1, group_by="Department", **PERIOD)) == {w.a.dept1}
	assert_same(w.a.head1, **PERIOD)
	# a department head asking for another department sees nothing of it
	assert from_cells(w.a.head1, group_by="Department", department=w.a.dept2, **PERIOD) == {}
	assert set(from_cells(w.b.officer, **PERIOD)) == {w.b.institution}
	# the filters and a short period
	assert_same(w.bureau_admin, institution=w.a.institution, **PERIOD)
	assert_same(w.bureau_admin, channel="Hotline", **PERIOD)
	assert_same(w.bureau_admin, department=w.a.dept1, **PERIOD)
	assert_same(w.bureau_admin, from_date=str(add_days(today(), -10)), to_date=today())
	# the ledger's own filters, as every role (a finding: counted from the complaints)
	category = frappe.db.get_value("HSQ Complaint", made[0], "category")
	for user in (w.bureau_admin, w.a.officer, w.a.head1, w.b.officer):
		for extra in (
			{"sla_status": "Breached"},
			{"sla_status": "On Track"},
			{"sla_status": "Met"},
			{"workflow_state": "Resolved"},
			{"category": category},
			{"institution": w.a.institution, "department": w.a.dept2},
			{"finding": "Upheld"},
		):
			assert_ledger_same(user, **PERIOD, **extra)
	assert assert_ledger_same(w.a.head1, **PERIOD, department=w.a.dept2) == []

	# and the cells are exactly what a rebuild from scratch makes
	assert_cells_equal_rebuild()
	assert resolved and pending


def test_the_sla_sweep_and_the_deadline_job_keep_the_cells(world, monkeypatch):
	"""The sweep lifts escalation levels with bulk SQL; the deadline job sets deadlines with
	set_value: neither goes through the document, both keep the cells."""
	w = world
	monkeypatch.setattr(frappe, "enqueue", lambda *a, **kw: None)
	heads = ("deputy_head", "principal_head")
	frappe.db.set_value(
		"HSQ Institution", w.a.institution, {"deputy_head": w.a.leader, "principal_head": w.a.admin}
	)
	try:
		with committed(("HSQ Institution", w.a.institution, heads)):
			names = []
			for i in range(3):
				doc = make_complaint(
					w.a.institution,
					department=w.a.dept1,
					received_at=dt.datetime(2025, 9, 29, 10) + dt.timedelta(days=i),
					channel=("On-site", "Hotline", "On-site")[i],
				)
				frappe.db.set_value("HSQ Complaint", doc.name, "sla_status", "On Track")
				names.append(doc.name)
			frappe.db.commit()
			period = {"from_date": "2025-09-01", "to_date": "2025-10-31"}
			before = assert_same(w.bureau_admin, **period)[w.a.institution]
			sla.sweep(now=dt.datetime(2025, 11, 3, 9))  # the first run in weeks: levels 1-4 at once
			assert frappe.db.get_value("HSQ Complaint", names[0], "escalation_level") == 4
			after = assert_same(w.bureau_admin, **period)[w.a.institution]
			assert after[COUNTS.index("escalated")] == before[COUNTS.index("escalated")] + 3
			sla.sweep(now=dt.datetime(2025, 11, 3, 9))  # again: nothing counted twice
			assert assert_same(w.bureau_admin, **period)[w.a.institution] == after
			assert_cells_equal_rebuild()

			# the deadline job: a provisional deadline recomputed with set_value
			frappe.db.set_value(
				"HSQ Complaint",
				names[1],
				{"deadline_is_provisional": 1, "resolve_by": "2025-10-01 09:00:00"},
				update_modified=False,
			)
			sla.deadlines.recompute_open_deadlines(provisional_only=True)
			assert str(frappe.db.get_value("HSQ Complaint", names[1], "resolve_by")) != "2025-10-01 09:00:00"
			assert_same(w.bureau_admin, **period)
			assert_cells_equal_rebuild()
	finally:
		stats.rebuild()  # the committed cleanup deleted complaints behind the hooks
		frappe.db.commit()


def test_the_rebuild_patch_fills_cells_for_complaints_written_behind_the_app(world):
	"""Rows written by bulk SQL (a restore, the benchmark's generator) are counted once rebuilt."""
	w = world
	doc = make_complaint(
		w.a.institution, department=w.a.dept1, received_at=add_to_date(now_datetime(), days=-5)
	)
	for table in (stats.DAY_STAT, stats.MONTH_STAT):
		frappe.db.sql(f"DELETE FROM `tab{table}` WHERE institution = %s", w.a.institution)
	assert from_cells("Administrator", **PERIOD) != from_rows("Administrator", **PERIOD)
	from hsq_app.patches.v1 import build_complaint_stats

	build_complaint_stats.execute()
	assert_same("Administrator", **PERIOD)
	assert doc.name


def test_overdue_board_rows_and_working_hours_left(world):
	"""The board lists the open Warning and Breached complaints in deadline order, with the working
	hours left counted by whole days (work_calendar.working_hours_between), equal to a day-by-day
	walk however long overdue."""
	w = world
	base = dt.datetime(2025, 10, 1, 9)
	for i in range(12):
		doc = make_complaint(w.a.institution, department=w.a.dept1, received_at=base)
		doc.db_set(
			{
				"workflow_state": "In Progress",
				"sla_status": ("Breached", "Warning")[i % 2],
				"resolve_by": base + dt.timedelta(hours=7 * i),
			}
		)
	doc = make_complaint(w.a.institution, department=w.a.dept1, received_at=base)
	doc.db_set({"workflow_state": "Resolved", "sla_status": "Breached", "resolved_at": base})
	as_user(w.a.leader)
	board = run("SLA Overdue Board", filters={}, ignore_prepared_report=True)["result"]
	one_read = frappe.get_list(
		"HSQ Complaint",
		filters={
			"sla_status": ("in", ("Warning", "Breached")),
			"workflow_state": ("not in", sla.clock.STOPPED_STATES),
			"resolved_at": ("is", "not set"),
		},
		fields=["name", "resolve_by"],
		order_by="resolve_by asc, name asc",
		limit_page_length=2000,
	)
	frappe.set_user("Administrator")
	assert [(r["name"], r["resolve_by"]) for r in board] == [(r.name, r.resolve_by) for r in one_read]
	assert doc.name not in {r["name"] for r in board}
	assert {r["institution"] for r in board} == {w.a.institution}
	now = now_datetime()
	for row in board:
		walked = walk_working_hours(now, row["resolve_by"])
		assert abs(row["hours_left"] - walked) <= 0.06, row  # the board ran a moment earlier


def walk_working_hours(a, b):
	"""The day-by-day walk working_hours_between did before (the reference)."""
	cal = wc.get_calendar()
	if b < a:
		return -walk_working_hours(b, a)
	total, day = 0.0, a.date()
	while day <= b.date():
		if cal.is_working_day(day):
			lo = wc._seconds(a) if day == a.date() else 0.0
			hi = wc._seconds(b) if day == b.date() else 86400.0
			for begin, end in cal.periods:
				total += max(0.0, min(hi, end) - max(lo, begin))
		day += dt.timedelta(days=1)
	return total / 3600


def test_working_hours_between_counts_whole_days_as_the_walk_did():
	import random

	cal = wc.get_calendar()
	rng = random.Random(14)
	base = dt.datetime(2024, 1, 1)
	for i in range(3000):
		a = base + dt.timedelta(seconds=rng.randrange(0, 3 * 365 * 86400), microseconds=i % 7 * 1000)
		span = rng.choice([rng.randrange(-3 * 86400, 3 * 86400), rng.randrange(-800 * 86400, 800 * 86400)])
		b = a + dt.timedelta(seconds=span)
		assert abs(cal.working_hours_between(a, b) - walk_working_hours(a, b)) < 1e-9, (a, b)


def test_a_period_reads_whole_months_from_the_month_cells_and_the_rest_from_the_day_cells():
	D = dt.date
	assert stats.periods(D(2025, 1, 15), D(2025, 3, 10)) == [
		(stats.MONTH_STAT, D(2025, 2, 1), D(2025, 2, 28)),
		(stats.DAY_STAT, D(2025, 1, 15), D(2025, 1, 31)),
		(stats.DAY_STAT, D(2025, 3, 1), D(2025, 3, 10)),
	]
	assert stats.periods(D(2024, 2, 1), D(2024, 2, 29)) == [(stats.MONTH_STAT, D(2024, 2, 1), D(2024, 2, 29))]
	assert stats.periods(D(2025, 2, 3), D(2025, 2, 20)) == [(stats.DAY_STAT, D(2025, 2, 3), D(2025, 2, 20))]
	assert stats.periods(D(2025, 1, 31), D(2025, 2, 1)) == [(stats.DAY_STAT, D(2025, 1, 31), D(2025, 2, 1))]
	assert stats.periods(D(2025, 1, 1), D(2025, 12, 31)) == [
		(stats.MONTH_STAT, D(2025, 1, 1), D(2025, 12, 31))
	]


def test_the_ledger_reads_running_complaints_by_their_days_and_their_stored_status(world):
	"""Open complaints are kept by the days of their warning and deadline; the ledger's figures
	still count their stored SLA status, whatever it is: due or warned yesterday, today (before and
	after now) or later, with no warning time, and stored as the sweep left it or not yet moved."""
	w = world
	now = now_datetime()
	midnight = get_datetime(getdate(now))
	days = (
		midnight - dt.timedelta(hours=5),
		midnight + dt.timedelta(minutes=1),
		midnight + dt.timedelta(hours=23, minutes=59),
		midnight + dt.timedelta(days=1, hours=10),
		midnight + dt.timedelta(days=6),
	)
	warnings = (
		None,
		midnight - dt.timedelta(days=1),
		midnight + dt.timedelta(hours=12),
		midnight + dt.timedelta(days=3),
	)
	received = add_to_date(now, days=-8)
	for resolve_by in days:
		for j, warn_by in enumerate(warnings):
			for status in ("On Track", "Warning", "Breached"):
				doc = make_complaint(
					w.a.institution, department=(w.a.dept1, w.a.dept2)[j % 2], received_at=received
				)
				doc.db_set(
					{
						"workflow_state": "In Progress",
						"resolve_by": resolve_by,
						"warn_by": warn_by,
						"sla_status": status,
					}
				)
	# a paused one: kept by its stored status
	doc = make_complaint(w.a.institution, department=w.a.dept1, received_at=received)
	doc.db_set({"workflow_state": "In Progress", "sla_status": "Paused", "paused_since": now})
	period = {"from_date": str(add_days(today(), -30)), "to_date": today()}
	for user in (w.bureau_admin, w.a.officer, w.a.head1, w.b.officer):
		for extra in ({}, {"sla_status": "Warning"}, {"sla_status": "On Track"}, {"sla_status": "Breached"}):
			assert_ledger_same(user, **period, **extra)
	assert_cells_equal_rebuild()


def test_a_viewer_with_shared_complaints_is_counted_from_the_complaints(world):
	"""A complaint shared with a department head (outside their department) is in their ledger:
	the cells cannot tell it apart, so their figures are counted from the complaints."""
	w = world
	doc = make_complaint(
		w.a.institution, department=w.a.dept2, received_at=add_to_date(now_datetime(), days=-2)
	)
	period = {"from_date": str(add_days(today(), -30)), "to_date": today()}
	before = assert_ledger_same(w.a.head1, **period)
	frappe.share.add_docshare(
		"HSQ Complaint", doc.name, w.a.head1, read=1, flags={"ignore_share_permission": True}
	)
	as_user(w.a.head1)
	try:
		f = frappe._dict(period)
		assert ledger_stats.ledger_groups(f, complaint_ledger.build_filters(f)) is None
		groups = complaint_ledger.counts(complaint_ledger.build_filters(f), f)
		assert sum(g.n for g in groups) == sum(n for *_k, n in before) + 1
	finally:
		frappe.set_user("Administrator")


def test_a_full_rebuild_leaves_no_stale_month(world):
	"""A complaint deleted behind the app on a day before every other complaint: a full rebuild
	drops its day cells and its month cells (the months are added up after the stale days go)."""
	w = world
	first = frappe.db.sql("SELECT MIN(received_at) FROM `tabHSQ Complaint`")[0][0] or now_datetime()
	doc = make_complaint(w.b.institution, department=w.b.dept1, received_at=add_to_date(first, days=-1))
	frappe.db.sql("DELETE FROM `tabHSQ Complaint` WHERE name = %s", doc.name)  # behind the app
	stats.rebuild()
	for day_table, month_table in (
		(stats.DAY_STAT, stats.MONTH_STAT),
		(ledger_stats.DAY_STAT, ledger_stats.MONTH_STAT),
	):
		days = frappe.db.sql(
			f"SELECT institution, DATE_FORMAT(day, '%Y-%m-01'), SUM(total) FROM `tab{day_table}` GROUP BY 1, 2"
		)
		months = frappe.db.sql(f"SELECT institution, day, SUM(total) FROM `tab{month_table}` GROUP BY 1, 2")
		assert sorted((i, str(d), int(n)) for i, d, n in days) == sorted(
			(i, str(d), int(n)) for i, d, n in months
		)

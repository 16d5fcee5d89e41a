"""The read replica (`bin/hsq replica start`): reports, lists, counts and exports read from it, writes
never go there, and the desk keeps working when it stops.

The replica is a second MariaDB server (own data directory, its own port) replicating the test
site's database from the site's MariaDB with GTID. That needs the binary log on the primary: where
it is off, the module is skipped and says why (pytest -ra prints the reason).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import frappe
import pytest
from factories import make_complaint, make_world
from frappe.desk import reportview
from frappe.desk.query_report import run
from ops import bench_path, run_harness

from hsq_app.utils.replica import install

REPORTS = {
	"Complaint Ledger": {},
	"SLA Compliance": {},
	"SLA Overdue Board": {},
	"Monthly Bureau Summary": {},
	"Follow Up Coverage": {},
	"Follow Up Satisfaction": {},
	"Rectification Ledger": {},
	"Accountability Ledger": {},
}


def _skip_reason() -> str | None:
	if not Path("/usr/sbin/mariadbd").exists() or not shutil.which("mariadb-install-db"):
		return "no MariaDB server binaries (/usr/sbin/mariadbd, mariadb-install-db) to start a replica with"
	if not int(frappe.db.sql("SELECT @@log_bin")[0][0]):
		host, port = frappe.conf.db_host or "127.0.0.1", frappe.conf.db_port or 3306
		return (
			f"the binary log is off on the test site's MariaDB {host}:{port}, so nothing can replicate"
			" from it; the harness's /etc/mysql/mariadb.conf.d/90-hsq.cnf turns it on at MariaDB's next"
			" restart (bin/hsq restarts it itself in CI, or with HSQ_DB_RESTART=1)"
		)
	return None


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def replica_sql(sql: str) -> str:
	sock = bench_path() / "replica" / "mysqld.sock"
	proc = subprocess.run(
		["mariadb", f"--socket={sock}", "-uroot", "--batch", "--skip-column-names", "-e", sql],
		capture_output=True,
		text=True,
		timeout=60,
	)
	assert proc.returncode == 0, proc.stderr
	return proc.stdout.strip()


def on_replica(name: str) -> bool:
	db = frappe.conf.db_name
	return replica_sql(f"SELECT COUNT(*) FROM `{db}`.`tabHSQ Complaint` WHERE name = '{name}'") == "1"


def wait_for(check, seconds=60) -> bool:
	deadline = time.time() + seconds
	while time.time() < deadline:
		if check():
			return True
		time.sleep(0.3)
	return False


@pytest.fixture(scope="module")
def replica():
	reason = _skip_reason()
	if reason:
		print(f"\nreplica tests skipped: {reason}")
		pytest.skip(reason)
	port = _free_port()
	site = frappe.local.site
	started = run_harness("replica", "start", site, HSQ_REPLICA_PORT=str(port))
	assert started.returncode == 0, started.stdout + started.stderr
	assert run_harness("replica", "status", site, HSQ_REPLICA_PORT=str(port)).returncode == 0
	saved = {k: frappe.local.conf.get(k) for k in ("read_from_replica", "replica_host", "replica_db_port")}
	frappe.local.conf.update(read_from_replica=1, replica_host="127.0.0.1", replica_db_port=port)
	install()  # what the before_request / before_job hook does in the web and worker processes
	yield frappe._dict(port=port, site=site)
	frappe.local.conf.update(saved)
	stopped = run_harness("replica", "stop", site, HSQ_REPLICA_PORT=str(port))
	assert stopped.returncode == 0, stopped.stderr
	assert not frappe.get_site_config().get("read_from_replica")


@pytest.fixture(scope="module")
def world(replica):
	w = make_world()
	frappe.db.commit()  # the replica only sees committed data
	return w


def committed_complaint(w) -> str:
	name = make_complaint(w.a.institution, description="复制延迟验证").name
	frappe.db.commit()
	return name


def count(names: list[str]) -> int:
	"""The desk's list count (frappe.desk.reportview.get_count, a replica read)."""
	frappe.local.form_dict = frappe._dict(doctype="HSQ Complaint", filters=[["name", "in", names]])
	return reportview.get_count()


def list_names(w) -> set[str]:
	"""The desk's list view (frappe.desk.reportview.get_list, a replica read)."""
	frappe.local.form_dict = frappe._dict(
		doctype="HSQ Complaint",
		fields=["name"],
		filters={"institution": w.a.institution},
		limit_page_length=0,
	)
	return {r.name for r in reportview.get_list()}


def ledger_names(w) -> set[str]:
	rows = run("Complaint Ledger", filters={"institution": w.a.institution}, ignore_prepared_report=True)[
		"result"
	]
	return {r.get("name") for r in rows if isinstance(r, dict)}


def test_reports_lists_and_counts_read_from_the_replica(replica, world):
	first = committed_complaint(world)
	assert wait_for(lambda: on_replica(first)), "the replica did not catch up"
	replica_sql("STOP SLAVE SQL_THREAD")  # replication paused: the replica keeps the old data
	try:
		second = committed_complaint(world)
		assert frappe.db.exists("HSQ Complaint", second)  # the primary has it
		assert count([first, second]) == 1
		listed = list_names(world)
		assert first in listed and second not in listed
		names = ledger_names(world)
		assert first in names and second not in names
	finally:
		replica_sql("START SLAVE SQL_THREAD")
	assert wait_for(lambda: count([first, second]) == 2)
	assert second in ledger_names(world)


def test_every_report_export_and_chart_runs_with_the_replica(replica, world):
	"""Reads go to the replica, where the site's account may only SELECT; no read path writes there."""
	for name, filters in REPORTS.items():
		result = run(name, filters=filters, ignore_prepared_report=True)
		assert "result" in result, name
	frappe.local.form_dict = frappe._dict(
		doctype="HSQ Complaint", file_format_type="CSV", fields='["`tabHSQ Complaint`.`name`"]', filters="[]"
	)
	reportview.export_query()
	assert frappe.response.get("filename", "").endswith(".csv")
	# Frappe writes last_synced_on on every chart fetch: on the primary, even beside replica reads
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as get_chart

	chart = frappe.get_all("Dashboard Chart", filters={"chart_type": "Group By"}, pluck="name", limit=1)
	if chart:
		get_chart(chart_name=chart[0], refresh=1)
	# nothing was written on the replica under the site's account
	assert replica_sql("SELECT @@read_only") == "1"


def test_desk_falls_back_to_the_primary_when_the_replica_stops(replica, world):
	port = replica.port
	subprocess.run(
		["mariadb-admin", f"--socket={bench_path() / 'replica' / 'mysqld.sock'}", "-uroot", "shutdown"],
		check=True,
		timeout=60,
	)
	assert wait_for(lambda: not _port_open(port), 30)
	name = committed_complaint(world)
	# the site config still says read_from_replica: reads fall back to the primary, nothing fails
	assert count([name]) == 1
	assert name in ledger_names(world)
	# and the harness brings it back, caught up
	again = run_harness("replica", "start", replica.site, HSQ_REPLICA_PORT=str(port))
	assert again.returncode == 0, again.stdout + again.stderr
	assert wait_for(lambda: on_replica(name))


def _port_open(port: int) -> bool:
	try:
		with socket.create_connection(("127.0.0.1", port), timeout=1):
			return True
	except OSError:
		return False


def test_the_replica_resumes_after_the_site_is_created_again_or_its_position_is_gone(replica, world):
	"""CI found it: a site dropped and created again keeps its database name but gets a new password,
	so the replica's stored replication password was stale and `replica start` failed with "Access
	denied for user 'hsq_repl'". And where the primary's binary log no longer holds the replica's
	position, the harness copies the database again instead of failing."""
	port = replica.port
	sock = bench_path() / "replica" / "mysqld.sock"
	# a stale replication password (what a recreated site leaves behind), then a stop
	replica_sql("STOP SLAVE; CHANGE MASTER TO MASTER_PASSWORD='stale-password'; START SLAVE;")
	subprocess.run(["mariadb-admin", f"--socket={sock}", "-uroot", "shutdown"], check=True, timeout=60)
	assert wait_for(lambda: not _port_open(port), 30)
	name = committed_complaint(world)
	again = run_harness("replica", "start", replica.site, HSQ_REPLICA_PORT=str(port))
	assert again.returncode == 0, again.stdout + again.stderr
	assert wait_for(lambda: on_replica(name))
	# a position the primary never wrote (as after its binary logs are purged): copied again
	replica_sql("STOP SLAVE; SET GLOBAL gtid_slave_pos = '0-1-999999999'; START SLAVE;")
	subprocess.run(["mariadb-admin", f"--socket={sock}", "-uroot", "shutdown"], check=True, timeout=60)
	assert wait_for(lambda: not _port_open(port), 30)
	name = committed_complaint(world)
	again = run_harness("replica", "start", replica.site, HSQ_REPLICA_PORT=str(port))
	assert again.returncode == 0, again.stdout + again.stderr
	assert "copying" in again.stdout + again.stderr
	assert wait_for(lambda: on_replica(name))
	assert run_harness("replica", "status", replica.site, HSQ_REPLICA_PORT=str(port)).returncode == 0

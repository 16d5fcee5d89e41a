"""Fault figures against the production shape: nothing lost, checked by counts.

Run inside the bench's sites folder. Each fault needs a service the script may break, so each runs
against servers of its own (never the machine's shared MariaDB or Redis):

    # a worker killed with -9 in the middle of a 10,000-record discharge import (desk upload path)
    ../env/bin/python <app>/benchmarks/faults.py import-kill --site hsq.localhost --supervisor-conf \\
        <bench>/config/hsq/supervisord.conf

    # Redis stopped for 30 s under the production shape, with 200 jobs queued
    #   (the shape started with HSQ_REDIS_URL=redis://127.0.0.1:6391 on a Redis of its own,
    #    redis-server --port 6391 --appendonly yes --dir /tmp/hsq-redis-6391 --daemonize yes)
    ../env/bin/python <app>/benchmarks/faults.py redis-stop --site hsq.localhost --url http://127.0.0.1:8000 \\
        --redis-port 6391 --redis-dir /tmp/hsq-redis-6391

    # MariaDB restarted in the middle of an SLA sweep over 20,000 overdue complaints
    #   (a site on a MariaDB of its own; --stop/--start are the commands that stop and start it)
    ../env/bin/python <app>/benchmarks/faults.py db-restart --site <site on that server> \\
        --stop "kill $(cat /tmp/p3308/pid)" --start "setsid mariadbd --defaults-file=/tmp/p3308/hsq.cnf &"

Each prints one line of figures for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, timedelta

import frappe


def connect(site: str):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")


def fresh_count(sql: str, *params) -> int:
	frappe.db.rollback()
	return frappe.db.sql(sql, params)[0][0]


# ----------------------------------------------------------------------- worker killed during import


def import_kill(args):
	from hsq_app.follow_up.imports.rows import FIELDS, HEADER_ALIASES
	from hsq_app.follow_up.imports.upload import IMPORT, start

	connect(args.site)
	inst = frappe.get_all("HSQ Institution", filters={"institution_type": "Hospital"}, pluck="name", limit=1)[
		0
	]
	depts = frappe.get_all("HSQ Department", filters={"institution": inst}, pluck="department_name")
	tag = f"KILL{frappe.generate_hash(length=5).upper()}"
	out = io.StringIO()
	writer = csv.writer(out)
	writer.writerow([HEADER_ALIASES[f][0] for f in FIELDS])
	today = date.today()
	for i in range(args.records):
		row = {
			"patient_name": f"患者{i:05d}",
			"medical_record_no": f"{tag}{i:06d}",
			"patient_phone": f"139{10_000_000 + i:08d}",
			"institution": inst,
			"department": depts[i % len(depts)],
			"discharge_date": str(today - timedelta(days=1 + i % 20)),
		}
		writer.writerow([row.get(f, "") for f in FIELDS])
	file = frappe.get_doc(
		{"doctype": "File", "file_name": f"{tag}.csv", "is_private": 1, "content": out.getvalue().encode()}
	).insert()
	doc = frappe.get_doc({"doctype": IMPORT, "institution": inst, "import_file": file.file_url}).insert()
	frappe.db.commit()

	def stored() -> tuple[int, int]:
		d = fresh_count(
			"SELECT COUNT(*) FROM `tabHSQ Discharge Record` WHERE medical_record_no LIKE %s", f"{tag}%"
		)
		f = fresh_count(
			"SELECT COUNT(*) FROM `tabHSQ Follow Up` fu JOIN `tabHSQ Discharge Record` d ON d.name = fu.discharge_record"
			" WHERE d.medical_record_no LIKE %s",
			f"{tag}%",
		)
		return d, f

	def worker_pids() -> list[int]:
		# only this bench's worker (the sites folder's parent): other benches on the machine are not ours
		bench = os.path.dirname(os.path.abspath(os.getcwd()))
		pattern = f"{bench}/env/bin/python -m hsq_app.utils.worker --queue long"
		out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
		return [int(p) for p in out.split()]

	def horse_running() -> bool:
		# RQ forks a work horse per job: a child of the worker process
		for pid in worker_pids():
			kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
			if kids:
				return True
		return False

	start(doc.name)
	frappe.db.commit()
	t0 = time.time()
	while not horse_running() and time.time() - t0 < 120:
		time.sleep(0.05)
	time.sleep(args.kill_after)
	victims = worker_pids()
	killed_at = time.time()
	for pid in victims:
		try:
			os.killpg(os.getpgid(pid), 9)  # the worker and its work horse, as the OOM killer would
		except OSError:
			os.kill(pid, 9)
	time.sleep(2)
	after_kill = stored()
	status_after_kill = frappe.db.get_value(IMPORT, doc.name, "status")
	# supervisord brings the worker back
	back = None
	while time.time() - killed_at < 60:
		if worker_pids():
			back = time.time() - killed_at
			break
		time.sleep(0.2)
	# the desk's Import button again, on the import still "Queued": its job's worker is gone, so the
	# dead job is cleared and the import runs again (issue 14: before, it waited for the job's timeout)
	start(doc.name)
	frappe.db.commit()
	t1 = time.time()
	while (
		frappe.db.get_value(IMPORT, doc.name, "status") in ("Queued", "Failed", "Not Started")
		and time.time() - t1 < args.retry_wait
	):
		time.sleep(1)
		frappe.db.rollback()
	retry_secs = time.time() - t1
	after_retry = stored()
	# the records imported again as the API does (import_records), twice: each record is stored once
	rows = list(csv.DictReader(io.StringIO(out.getvalue())))
	from hsq_app.follow_up.imports.files import rows_to_records
	from hsq_app.follow_up.imports.storage import import_records

	records, _lines, _unknown = rows_to_records([list(rows[0].keys())] + [list(r.values()) for r in rows])
	again = import_records(records, default_institution=inst)
	frappe.db.commit()
	after_again = stored()
	third = import_records(records, default_institution=inst)
	frappe.db.commit()
	after_third = stored()
	print(
		json.dumps(
			{
				"fault": "worker kill -9 during a discharge import",
				"records": args.records,
				"killed_after_s": round(killed_at - t0, 1),
				"stored_after_kill": after_kill,
				"import_status_after_kill": status_after_kill,
				"worker_back_after_s": round(back, 1) if back else None,
				"retry_status": frappe.db.get_value(IMPORT, doc.name, "status"),
				"retry_s": round(retry_secs, 1),
				"stored_after_retry": after_retry,
				"second_retry_created": again["created"],
				"stored_after_second_retry": after_again,
				"third_run_created (duplicates skipped)": third["created"],
				"third_run_skipped": third["skipped_duplicates"],
				"stored_after_third_run": after_third,
			},
			ensure_ascii=False,
		)
	)


# ------------------------------------------------------------------------------ Redis stopped for 30 s


def redis_stop(args):
	connect(args.site)
	tag = f"REDIS{frappe.generate_hash(length=5).upper()}"
	for i in range(args.jobs):
		frappe.enqueue(
			"frappe.client.insert",
			queue="short",
			doc={"doctype": "Note", "title": f"{tag}-{i:04d}", "content": "queued before the outage"},
		)
	frappe.db.commit()
	timeline = []
	stop_probe = threading.Event()

	def probe():
		while not stop_probe.is_set():
			t = time.time()
			try:
				with urllib.request.urlopen(f"{args.url}/api/method/ping", timeout=10) as r:
					code = r.status
			except urllib.error.HTTPError as e:
				code = e.code
			except Exception:
				code = 0
			timeline.append((t, code))
			time.sleep(0.5)

	th = threading.Thread(target=probe, daemon=True)
	th.start()
	time.sleep(3)
	down_at = time.time()
	subprocess.run(["redis-cli", "-p", str(args.redis_port), "shutdown"], check=False)
	time.sleep(args.down)
	up_at = time.time()
	subprocess.run(
		[
			"redis-server",
			"--port",
			str(args.redis_port),
			"--bind",
			"127.0.0.1",
			"--appendonly",
			"yes",
			"--dir",
			args.redis_dir,
			"--daemonize",
			"yes",
			"--save",
			"",
		],
		check=True,
	)
	deadline = time.time() + 300
	done = 0
	while time.time() < deadline:
		done = fresh_count("SELECT COUNT(DISTINCT title) FROM tabNote WHERE title LIKE %s", f"{tag}-%")
		if done >= args.jobs:
			break
		time.sleep(2)
	stop_probe.set()
	th.join()
	total = fresh_count("SELECT COUNT(*) FROM tabNote WHERE title LIKE %s", f"{tag}-%")
	during = [c for t, c in timeline if down_at + 1 < t < up_at]
	recovered = next((t - up_at for t, c in timeline if t > up_at and c == 200), None)
	print(
		json.dumps(
			{
				"fault": f"Redis stopped for {args.down:.0f} s",
				"jobs_queued_before": args.jobs,
				"jobs_done_distinct": done,
				"notes_total (duplicates if > jobs)": total,
				"desk_answers_during_outage": sorted(set(during)),
				"desk_ok_again_after_s": round(recovered, 1) if recovered is not None else None,
				"all_jobs_done_after_restart_s": round(time.time() - up_at, 1),
			}
		)
	)


# ------------------------------------------------------------------- MariaDB restarted during a sweep


def db_restart(args):
	sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
	import sla_sweep as bm

	connect(args.site)
	import random

	departments = bm.setup_world()
	bm.wipe()
	bm.make_complaints(args.complaints, departments, frappe.utils.now_datetime(), random.Random(1))
	frappe.db.commit()
	code = (
		"import frappe,sys; frappe.init(site=sys.argv[1], sites_path='.'); frappe.connect();"
		"from hsq_app.complaints import sla; sla.sweep(); frappe.db.commit()"
	)
	py = os.path.abspath(os.path.join("..", "env", "bin", "python"))
	first = subprocess.Popen(
		[py, "-c", code, args.site], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
	)
	time.sleep(args.restart_after)
	t0 = time.time()
	subprocess.run(args.stop, shell=True, check=False)
	time.sleep(3)
	subprocess.run(args.start, shell=True, check=False)
	for _ in range(120):
		try:
			frappe.db.connect()
			frappe.db.sql("SELECT 1")
			break
		except Exception:
			time.sleep(0.5)
	db_back = time.time() - t0
	first_rc = first.wait(timeout=600)
	first_tail = (first.stdout.read() or "").strip().splitlines()[-1:] if first_rc else []
	frappe.connect()
	logs_after_crash = fresh_count("SELECT COUNT(*) FROM `tabHSQ Escalation Log`")
	s0 = time.time()
	second = subprocess.run([py, "-c", code, args.site], capture_output=True, text=True)
	second_secs = time.time() - s0
	logs_after_next = fresh_count("SELECT COUNT(*) FROM `tabHSQ Escalation Log`")
	dupes = fresh_count(
		"SELECT COUNT(*) FROM (SELECT complaint, level FROM `tabHSQ Escalation Log` GROUP BY complaint, level HAVING COUNT(*) > 1) d"
	)
	subprocess.run([py, "-c", code, args.site], capture_output=True, text=True)
	logs_after_third = fresh_count("SELECT COUNT(*) FROM `tabHSQ Escalation Log`")
	breached = fresh_count("SELECT COUNT(*) FROM `tabHSQ Complaint` WHERE sla_status = 'Breached'")
	print(
		json.dumps(
			{
				"fault": "MariaDB restarted during an SLA sweep",
				"complaints": args.complaints,
				"first_sweep_exit": first_rc,
				"first_sweep_error": first_tail,
				"db_back_after_s": round(db_back, 1),
				"escalation_logs_after_crash": logs_after_crash,
				"next_sweep_exit": second.returncode,
				"next_sweep_s": round(second_secs, 1),
				"escalation_logs_after_next_sweep": logs_after_next,
				"duplicate_complaint_level_rows": dupes,
				"escalation_logs_after_third_sweep (no change = caught up)": logs_after_third,
				"breached": breached,
			},
			ensure_ascii=False,
		)
	)


def main():
	ap = argparse.ArgumentParser()
	sub = ap.add_subparsers(dest="fault", required=True)
	a = sub.add_parser("import-kill")
	a.add_argument("--site", required=True)
	a.add_argument("--records", type=int, default=10_000)
	a.add_argument("--kill-after", type=float, default=1.5, help="seconds after the job starts")
	a.add_argument("--retry-wait", type=float, default=120, help="how long to wait for the desk's retry")
	b = sub.add_parser("redis-stop")
	b.add_argument("--site", required=True)
	b.add_argument("--url", required=True)
	b.add_argument("--redis-port", type=int, required=True)
	b.add_argument("--redis-dir", required=True)
	b.add_argument("--jobs", type=int, default=200)
	b.add_argument("--down", type=float, default=30)
	c = sub.add_parser("db-restart")
	c.add_argument("--site", required=True)
	c.add_argument("--complaints", type=int, default=20_000)
	c.add_argument("--restart-after", type=float, default=1.0)
	c.add_argument("--stop", required=True)
	c.add_argument("--start", required=True)
	args = ap.parse_args()
	if args.fault == "redis-stop" and args.redis_port == 6379:
		raise SystemExit("not the shared Redis: give the port of a Redis of the benchmark's own")
	{"import-kill": import_kill, "redis-stop": redis_stop, "db-restart": db_restart}[args.fault](args)


if __name__ == "__main__":
	main()

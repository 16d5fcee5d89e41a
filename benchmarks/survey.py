"""Benchmark: the survey door's throughput, the indicator and theme reports on millions of answers,
and QR posters for a county's departments.

Run inside the bench's sites folder, as the bench user, on a dedicated site:

    runuser -u frappe -- ../env/bin/python <app>/benchmarks/survey.py --site <site> \
        [--answers 5000000] [--clients 8] [--requests 2000] [--departments 120]

1. **Submissions** (``--requests`` answers): the site is served by gunicorn with 2 workers (as
   production), ``--clients`` threads each POST to ``hsq_app.api.survey.submit`` over keep-alive
   connections, every answer a distinct device. Reported: answers/s and p50/p95 latency; the
   baseline, measured in the same run with the same clients and workers, is Frappe's own
   ``/api/method/ping`` (the framework's floor for a request).
2. **Reports on many answers** (``--answers``): that many answers are written straight into the
   answers table with ``hsq_app.utils.bulk.insert_rows`` (two years, 4 institutions × 30
   departments, three kinds), their per-day cells counted while they are made and written once
   (checked against ``hsq_app.survey.stats.rebuild`` on the last week), and theme cells for the
   same two years. Timed: the Survey Indicators report (one year, bureau and one hospital,
   by institution and by department), the workspace block, the Survey Themes report; baseline:
   the same year's indicator figures computed straight from the answers.
3. **Posters**: one PDF with a poster per department (``--departments``), A4 and table card.

Everything it made is removed afterwards unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

TAG = "BMSV"


def parse_args():
	p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	p.add_argument("--site", required=True)
	p.add_argument("--sites-path", default=".")
	p.add_argument("--answers", type=int, default=5_000_000)
	p.add_argument("--clients", type=int, default=8)
	p.add_argument("--requests", type=int, default=2000)
	p.add_argument("--workers", type=int, default=2)
	p.add_argument("--departments", type=int, default=120)
	p.add_argument("--skip", nargs="*", default=[], choices=["submit", "reports", "posters"])
	p.add_argument("--keep", action="store_true")
	p.add_argument(
		"--baseline-code",
		help="a copy of the previous code (git archive main | tar -x -C DIR): its door measured too",
	)
	return p.parse_args()


def timed(fn, repeat=3):
	result = None
	times = []
	for _ in range(repeat):
		t = time.perf_counter()
		result = fn()
		times.append(time.perf_counter() - t)
	return statistics.median(times), min(times), result


# -- world ------------------------------------------------------------------------------------------


def make_world(departments: int):
	import frappe

	bureau = (
		frappe.db.get_value("HSQ Institution", {"institution_type": "Bureau"})
		or frappe.get_doc(
			{
				"doctype": "HSQ Institution",
				"institution_name": f"{TAG}卫健局",
				"institution_type": "Bureau",
				"grade": "Ungraded",
				"is_group": 1,
			}
		)
		.insert()
		.name
	)
	per = max(1, departments // 4)
	world = []
	for i in range(4):
		name = f"{TAG}医院{i}"
		if not frappe.db.exists("HSQ Institution", name):
			frappe.get_doc(
				{
					"doctype": "HSQ Institution",
					"institution_name": name,
					"institution_type": "Hospital",
					"grade": "Secondary",
					"parent_hsq_institution": bureau,
					"is_group": 1,
				}
			).insert()
		depts = []
		for j in range(per):
			dn = f"科室{j:03d}"
			dept = f"{dn}-{name}"
			if not frappe.db.exists("HSQ Department", dept):
				frappe.get_doc(
					{"doctype": "HSQ Department", "department_name": dn, "institution": name}
				).insert()
			depts.append(dept)
		world.append((name, depts))
	frappe.db.set_single_value("HSQ Survey Settings", "hourly_rate_limit", 10_000_000)
	frappe.db.commit()
	return world


# -- 1. submissions over HTTP ---------------------------------------------------------------------------


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def serve(site: str, workers: int, code_dir: str | None = None):
	"""gunicorn as production runs it; ``code_dir``: serve the app's code from that copy instead
	(e.g. ``git archive main``), for a baseline of the previous code in the same run."""
	port = free_port()
	env = dict(os.environ)
	if code_dir:
		env["PYTHONPATH"] = os.path.abspath(code_dir)
	proc = subprocess.Popen(
		[
			os.path.join(os.path.dirname(sys.executable), "gunicorn"),
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			str(workers),
			"-t",
			"120",
			"--preload",
			"hsq_app.wsgi:application",
		],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
		env=env,
		start_new_session=True,
	)
	deadline = time.time() + 90
	while time.time() < deadline:
		try:
			c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
			c.request("GET", "/api/method/ping", headers={"Host": site})
			if c.getresponse().status == 200:
				return proc, port
		except OSError:
			time.sleep(0.5)
	proc.kill()
	raise SystemExit("gunicorn did not start")


def load(site, port, clients, total, make_request):
	lock = threading.Lock()
	counter = {"n": 0}
	latencies, errors = [], []

	def client(k):
		conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
		while True:
			with lock:
				if counter["n"] >= total:
					return
				counter["n"] += 1
				i = counter["n"]
			method, path, body = make_request(k, i)
			t = time.perf_counter()
			conn.request(
				method,
				path,
				body=body,
				headers={"Host": site, "Content-Type": "application/json", "Accept": "application/json"},
			)
			r = conn.getresponse()
			r.read()
			dt = time.perf_counter() - t
			with lock:
				latencies.append(dt)
				if r.status != 200:
					errors.append(r.status)

	t0 = time.perf_counter()
	with ThreadPoolExecutor(clients) as pool:
		list(pool.map(client, range(clients)))
	elapsed = time.perf_counter() - t0
	latencies.sort()
	return {
		"requests": total,
		"seconds": round(elapsed, 2),
		"per_second": round(total / elapsed, 1),
		"p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
		"p95_ms": round(1000 * latencies[int(len(latencies) * 0.95) - 1], 1),
		"errors": len(errors),
	}


def bench_submit(args, world) -> dict:
	import frappe

	codes = [frappe.db.get_value("HSQ Department", d, "survey_code") for _inst, depts in world for d in depts]

	def ping(k, i):
		return "GET", "/api/method/ping", None

	def answers(run_id):
		def answer(k, i):
			body = {
				"code": codes[i % len(codes)],
				"overall_score": 1 + i % 5,
				"device": f"{TAG}-{run_id}-{k}-{i}",
				"answers": [
					{"item": "A1", "score": 1 + i % 5},
					{"item": "A2", "score": 4},
					{"item": "A10", "value": ["收费"]},
				],
				"comment": "候诊时间有点长" if i % 7 == 0 else "",
			}
			return "POST", "/api/method/hsq_app.api.survey.submit", json.dumps(body)

		return answer

	def run(code_dir, label, with_ping=False):
		label = f"{label}-{int(time.time())}"  # devices new to the site, whatever ran on it before
		proc, port = serve(args.site, args.workers, code_dir)
		try:
			load(args.site, port, args.clients, 100, answers(f"warm-{label}"))  # warm both workers
			out = {}
			if with_ping:
				out["ping"] = load(args.site, port, args.clients, args.requests, ping)
			out["submit"] = load(args.site, port, args.clients, args.requests, answers(label))
			return out
		finally:
			proc.terminate()
			proc.wait(timeout=30)

	out = {}
	if args.baseline_code:
		out["baseline_code"] = run(args.baseline_code, "base")["submit"]
		print(json.dumps({"baseline_code": out["baseline_code"]}), flush=True)
	new = run(None, "new", with_ping=True)
	out["ping_baseline"], out["submit"] = new["ping"], new["submit"]
	out["submit_vs_ping"] = round(new["submit"]["per_second"] / new["ping"]["per_second"], 2)
	if args.baseline_code:
		out["submit_vs_baseline_code"] = round(
			new["submit"]["per_second"] / out["baseline_code"]["per_second"], 2
		)
	return out


# -- 2. reports on many answers ---------------------------------------------------------------------------


def bench_reports(args, world) -> dict:
	import frappe
	from frappe.utils import add_days, get_first_day, today
	from survey_data import bulk_answers, bulk_theme_cells, check_cells

	from hsq_app.survey import indicators, stats
	from hsq_app.survey.doctype.hsq_survey_day_stat import hsq_survey_day_stat
	from hsq_app.survey.doctype.hsq_survey_month_stat import hsq_survey_month_stat
	from hsq_app.survey.doctype.hsq_survey_response import hsq_survey_response
	from hsq_app.survey.doctype.hsq_theme_month_stat import hsq_theme_month_stat
	from hsq_app.survey.report.survey_indicators import survey_indicators
	from hsq_app.survey.report.survey_themes import survey_themes

	for module in (hsq_survey_day_stat, hsq_survey_month_stat, hsq_survey_response, hsq_theme_month_stat):
		module.on_doctype_update()  # the indexes a migrate makes
	out = {}
	answers_s, cells_s, cells = bulk_answers(args.answers, world)
	out["load_answers_s"] = round(answers_s, 1)
	out["write_cells_s"] = round(cells_s, 1)
	out["cells"] = cells
	out["cells_equal_rebuild_last_week"] = check_cells()
	t = time.perf_counter()
	out["month_cells"] = stats.roll_up_closed()  # what the daily job keeps: closed months whole
	frappe.db.commit()
	out["roll_up_months_s"] = round(time.perf_counter() - t, 1)
	print(json.dumps(out), flush=True)
	out["theme_cells"] = bulk_theme_cells(world)
	start, end = add_days(today(), -365), today()
	hospital = world[0][0]
	cases = {
		"indicators_bureau_by_institution": lambda: survey_indicators.execute(
			{"from_date": start, "to_date": end}
		),
		"indicators_bureau_by_department": lambda: survey_indicators.execute(
			{"from_date": start, "to_date": end, "by_department": 1}
		),
		"indicators_one_hospital_by_department": lambda: survey_indicators.execute(
			{"from_date": start, "to_date": end, "institution": hospital, "by_department": 1}
		),
		"workspace_block_bureau": indicators.workspace_indicators,
		"themes_bureau_month": lambda: survey_themes.execute({"month": get_first_day(today())}),
		"themes_one_hospital_month": lambda: survey_themes.execute(
			{"month": get_first_day(today()), "institution": hospital}
		),
	}
	frappe.set_user("Administrator")
	for name, fn in cases.items():
		median, best, _ = timed(fn)
		out[name] = {"median_s": round(median, 3), "best_s": round(best, 3)}

	def raw():
		return frappe.db.sql(
			"""SELECT kind, COUNT(*), SUM(overall_score), SUM(overall_score >= 4)
			FROM `tabHSQ Survey Response` WHERE submitted_at >= %s AND submitted_at < %s GROUP BY kind""",
			(start, add_days(end, 1)),
		)

	median, best, _ = timed(raw, repeat=1)
	out["baseline_raw_aggregate_one_year"] = {"median_s": round(median, 3)}
	out["ratio_raw_vs_report"] = round(median / out["indicators_bureau_by_institution"]["median_s"], 1)
	return out


def bench_posters(args, world) -> dict:
	import frappe

	from hsq_app.survey import poster

	pages = []
	for inst, depts in world:
		for d in depts:
			dn, code = frappe.db.get_value("HSQ Department", d, ["department_name", "survey_code"])
			pages.append((inst, dn, code))
	pages = pages[: args.departments]
	out = {"departments": len(pages)}
	for size in ("A4", "Card"):
		t = time.perf_counter()
		pdf = poster.posters_pdf(pages, size)
		out[size] = {"seconds": round(time.perf_counter() - t, 2), "bytes": len(pdf)}
	return out


def cleanup(world):
	import frappe

	frappe.db.sql(f"DELETE FROM `tabHSQ Survey Response` WHERE name LIKE '{TAG}%%' OR owner = 'Guest'")
	frappe.db.sql(f"DELETE FROM `tabHSQ Theme Month Stat` WHERE name LIKE '{TAG}%%'")
	frappe.db.sql("DELETE FROM `tabHSQ Survey Answer`")
	frappe.db.sql("DELETE FROM `tabHSQ Survey Callback`")
	from hsq_app.survey import stats

	stats.rebuild()
	frappe.db.commit()


def main():
	args = parse_args()
	import frappe

	frappe.init(site=args.site, sites_path=args.sites_path)
	frappe.connect()
	frappe.set_user("Administrator")
	world = make_world(args.departments)
	results = {"answers": args.answers, "clients": args.clients, "workers": args.workers}
	try:
		if "submit" not in args.skip:
			results["submissions"] = bench_submit(args, world)
			print(json.dumps(results["submissions"], ensure_ascii=False), flush=True)
		if "posters" not in args.skip:
			results["posters"] = bench_posters(args, world)
			print(json.dumps(results["posters"], ensure_ascii=False), flush=True)
		if "reports" not in args.skip:
			results["reports"] = bench_reports(args, world)
	finally:
		if not args.keep:
			cleanup(world)
	print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
	main()

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
   answers table with MariaDB's sequence engine (two years, 4 institutions × 30 departments, three
   kinds), the per-day cells rebuilt from them (``hsq_app.survey.stats.rebuild``), and theme cells
   for the same two years. Timed: the Survey Indicators report (one year, bureau and one hospital,
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


def serve(site: str, workers: int):
	port = free_port()
	env = dict(os.environ)
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
			"frappe.app:application",
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
	proc, port = serve(args.site, args.workers)
	try:

		def ping(k, i):
			return "GET", "/api/method/ping", None

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

		run_id = "warm"
		load(args.site, port, args.clients, 100, answer)  # warm both workers
		run_id = "run"
		baseline = load(args.site, port, args.clients, args.requests, ping)
		result = load(args.site, port, args.clients, args.requests, answer)
	finally:
		proc.terminate()
		proc.wait(timeout=30)
	return {
		"ping_baseline": baseline,
		"submit": result,
		"submit_vs_ping": round(result["per_second"] / baseline["per_second"], 2),
	}


# -- 2. reports on many answers ---------------------------------------------------------------------------


def bulk_answers(n: int, world) -> float:
	"""n answers over two years, written with the sequence engine (no child rows: the reports read
	only the answers' own fields)."""
	import frappe

	depts = [(inst, d) for inst, ds in world for d in ds]
	frappe.db.sql("DROP TEMPORARY TABLE IF EXISTS bm_dept")
	frappe.db.sql(
		"CREATE TEMPORARY TABLE bm_dept (k INT PRIMARY KEY, institution VARCHAR(140), department VARCHAR(140))"
	)
	frappe.db.sql(
		"INSERT INTO bm_dept VALUES " + ",".join(["(%s, %s, %s)"] * len(depts)),
		[v for k, (i, d) in enumerate(depts) for v in (k, i, d)],
	)
	t = time.perf_counter()
	chunk = 500_000
	for lo in range(0, n, chunk):
		hi = min(n, lo + chunk)
		# raw SQL: a set-based generator (sequence engine) has no frappe.qb form
		frappe.db.sql(
			f"""
			INSERT INTO `tabHSQ Survey Response` (name, creation, modified, owner, modified_by, docstatus, idx,
				kind, source, institution, department, overall_score, submitted_at, template_version)
			SELECT CONCAT('{TAG}', s.seq), NOW(), NOW(), 'Guest', 'Guest', 0, 0,
				ELT(1 + s.seq % 3, 'Outpatient', 'Inpatient', 'Staff'), 'QR', d.institution,
				IF(s.seq % 3 = 2, NULL, d.department),
				ELT(1 + (s.seq * 7) % 10, 5, 5, 5, 4, 4, 4, 3, 5, 2, 1),
				DATE_SUB(NOW(), INTERVAL (s.seq % 730) DAY) - INTERVAL (s.seq % 36000) SECOND, 1
			FROM seq_{lo + 1}_to_{hi} s JOIN bm_dept d ON d.k = s.seq % {len(depts)}
			"""
		)
		frappe.db.commit()  # chunked bulk load
	return time.perf_counter() - t


def bulk_theme_cells(world) -> int:
	import frappe
	from frappe.utils import add_months, get_first_day, today

	themes_ = [f"主题{i:03d}" for i in range(300)]
	rows, now = [], frappe.utils.now_datetime()
	month0 = get_first_day(today())
	for back in range(24):
		month = add_months(month0, -back)
		for inst, depts in world:
			for d in depts:
				for t_i, theme in enumerate(themes_[: 40 + (hash(d) % 40)]):
					rows.append(
						(
							f"{TAG}{len(rows)}",
							now,
							now,
							"Administrator",
							"Administrator",
							month,
							inst,
							d,
							theme,
							1 + (t_i * 13 + back) % 17,
							1,
							1,
							1,
							"示例留言",
						)
					)
	frappe.db.bulk_insert(
		"HSQ Theme Month Stat",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"month",
			"institution",
			"department",
			"theme",
			"mentions",
			"from_complaints",
			"from_surveys",
			"from_follow_ups",
			"examples",
		],
		rows,
		chunk_size=20_000,
	)
	frappe.db.commit()
	return len(rows)


def bench_reports(args, world) -> dict:
	import frappe
	from frappe.utils import add_days, get_first_day, today

	from hsq_app.survey import indicators, stats
	from hsq_app.survey.report.survey_indicators import survey_indicators
	from hsq_app.survey.report.survey_themes import survey_themes

	out = {}
	out["load_answers_s"] = round(bulk_answers(args.answers, world), 1)
	t = time.perf_counter()
	cells = stats.rebuild()
	frappe.db.commit()
	out["rebuild_cells_s"] = round(time.perf_counter() - t, 1)
	out["cells"] = cells
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

"""Load figures against the production shape (`bin/hsq start`): intake API, a desk mix, the public pages.

Run inside the bench's sites folder, against the site `bin/hsq start` serves (demo data loaded):

    cd <bench>/sites && ../env/bin/python <app>/benchmarks/load.py --site hsq.localhost \\
        --url http://127.0.0.1:8000 [--seconds 30] [--only intake,note,desk,public]

Every phase is bounded in time (``--seconds``) and sends requests only to ``--url`` (loopback).
Phases, each measured in the same run:

- ``intake``: 8 clients POST ``hsq_app.api.intake.create_complaint`` as the demo intake account
  (token auth), each with a new external reference: complaints per second, p50/p95/p99 latency.
  ``--texts same`` (the default, as every earlier figure was measured) sends one matter every time,
  so each complaint's text is similar to the 200 latest of its institution: the repeat check's
  worst case. ``--texts varied`` sends a county's mix (place, problem, detail).
- ``note``: the same 8 clients POST a plain Frappe document (``/api/resource/Note``) as
  Administrator: the framework's own insert, for comparison.
- ``desk``: 50 simulated desk users (demo quality officers, logged in with a session cookie), each
  looping list -> form -> save -> workflow action -> report with a think time of 3-9 s between
  steps (``--think``; a person reads a list or a form before the next click): p50/p95 per step,
  errors. The phase runs ``--desk-seconds`` (default 90).
- ``public``: 8 guests GET ``/complaint`` (the public form) and ``/service-quality``, then 8 guests
  submit the public form (the per-IP hourly limit is lifted for the run and put back afterwards).

The complaints, Notes and sessions the run makes stay on the site (it is a demo/benchmark site).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import threading
import time
import urllib.parse
from collections import defaultdict

import frappe


def pct(values: list[float], p: float) -> float:
	if not values:
		return float("nan")
	values = sorted(values)
	k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
	return values[k]


class Client:
	"""One keep-alive HTTP connection (like a browser tab or an integration's client)."""

	def __init__(self, url: str, headers: dict | None = None):
		u = urllib.parse.urlsplit(url)
		self.host, self.port = u.hostname, u.port or 80
		self.headers = {"Accept": "application/json", **(headers or {})}
		self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

	def request(self, method: str, path: str, body: dict | None = None, form: bool = False):
		headers = dict(self.headers)
		data = None
		if body is not None:
			if form:
				data = urllib.parse.urlencode(body)
				headers["Content-Type"] = "application/x-www-form-urlencoded"
			else:
				data = json.dumps(body)
				headers["Content-Type"] = "application/json"
		started = time.perf_counter()
		try:
			self.conn.request(method, path, body=data, headers=headers)
			resp = self.conn.getresponse()
			payload = resp.read()
			status = resp.status
			cookie = resp.getheader("Set-Cookie") or ""
		except (OSError, http.client.HTTPException):
			self.conn.close()
			self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
			return 599, b"", time.perf_counter() - started, ""
		return status, payload, time.perf_counter() - started, cookie


class Stats:
	def __init__(self):
		self.lock = threading.Lock()
		self.latency: dict[str, list[float]] = defaultdict(list)
		self.errors: dict[str, int] = defaultdict(int)
		self.samples: dict[str, str] = {}

	def add(self, name: str, status: int, seconds: float, payload: bytes = b""):
		with self.lock:
			if 200 <= status < 300:
				self.latency[name].append(seconds)
			else:
				self.errors[name] += 1
				self.samples.setdefault(name, f"{status} {payload[:200]!r}")

	def line(self, name: str, wall: float) -> dict:
		lat = self.latency[name]
		return {
			"what": name,
			"ok": len(lat),
			"errors": self.errors[name],
			"per_s": round(len(lat) / wall, 1) if wall else None,
			"p50_ms": round(pct(lat, 50) * 1000) if lat else None,
			"p95_ms": round(pct(lat, 95) * 1000) if lat else None,
			"p99_ms": round(pct(lat, 99) * 1000) if lat else None,
		}


# ----------------------------------------------------------------------------------- CPU per request

GROUPS = {  # what the production shape runs, by a piece of its command line
	"gunicorn": "gunicorn",
	"worker short": "worker --queue short",
	"workers default, long": ("worker --queue default", "worker --queue long"),
	"MariaDB (shared)": "mariadbd",
	"Redis (shared)": "redis-server",
}


def cpu_seconds() -> dict[str, float]:
	"""CPU seconds (user + system, with reaped children: an RQ worker's work horses) of each
	group of processes on this machine, as /proc has them now."""
	import os

	tick = os.sysconf("SC_CLK_TCK")
	bench = os.path.dirname(os.path.abspath(os.getcwd())) + "/"  # run in the bench's sites folder
	out = dict.fromkeys(GROUPS, 0.0)
	for pid in filter(str.isdigit, os.listdir("/proc")):
		try:
			with open(f"/proc/{pid}/cmdline", "rb") as f:
				cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
			with open(f"/proc/{pid}/stat") as f:
				fields = f.read().rsplit(")", 1)[1].split()
		except OSError:
			continue
		for group, needle in GROUPS.items():
			ours = "(shared)" in group or bench in cmd  # this bench's processes, not another's
			if ours and any(n in cmd for n in ((needle,) if isinstance(needle, str) else needle)):
				out[group] += sum(int(x) for x in fields[11:15]) / tick
				break
	return out


def drained(seconds: float = 600) -> float:
	"""Wait until the worklist's waiting set and the short, default and long queues are empty and
	the workers are idle (under 0.05 s of CPU in a second: a job killed by a restart stays in RQ's
	started registry, so that is not asked); returns the seconds waited."""
	from frappe.utils.background_jobs import get_queue

	from hsq_app.complaints import worklist

	started = time.time()
	queues = [get_queue(q) for q in ("short", "default", "long")]
	workers = ("worker short", "workers default, long")
	while time.time() - started < seconds:
		before = cpu_seconds()
		time.sleep(1)
		after = cpu_seconds()
		busy = sum(after[g] - before[g] for g in workers) > 0.05
		if not busy and not frappe.cache.scard(worklist.WAITING) and not any(len(q) for q in queues):
			break
	return time.time() - started


def cpu_line(name: str, before: dict, after: dict, count: int) -> str:
	parts = ", ".join(f"{g} {(after[g] - before[g]) / max(count, 1) * 1000:.1f}" for g in GROUPS)
	return f"CPU ms per request, {name} ({count} requests, the work they queued drained): {parts}"


def run_threads(n: int, seconds: float, body) -> float:
	stop = time.time() + seconds
	threads = [threading.Thread(target=body, args=(i, stop), daemon=True) for i in range(n)]
	started = time.time()
	for t in threads:
		t.start()
	for t in threads:
		t.join(seconds + 120)
	return time.time() - started


# ---------------------------------------------------------------------------------------------- setup


def token_for(user: str) -> str:
	from frappe.core.doctype.user.user import generate_keys

	secret = generate_keys(user)["api_secret"]
	key = frappe.db.get_value("User", user, "api_key")
	frappe.db.commit()
	return f"token {key}:{secret}"


def demo_password() -> str:
	import os

	return os.environ.get("HSQ_DEMO_PASSWORD") or "Hsq@2026demo"


def login(url: str, user: str, password: str) -> Client:
	c = Client(url)
	status, payload, _, cookie = c.request("POST", "/api/method/login", {"usr": user, "pwd": password})
	if status != 200:
		raise SystemExit(f"login {user}: {status} {payload[:200]!r}")
	sid = next(
		(p.split("=", 1)[1] for p in cookie.replace(",", ";").split(";") if p.strip().startswith("sid=")), ""
	)
	c.headers["Cookie"] = f"sid={sid}"
	return c


# --------------------------------------------------------------------------------------------- phases


# ``--texts varied``: a county's mix of matters, a place, a problem and a detail each (most pairs of
# texts differ; a matter raised again now and then is a repeat, as on a platform)
PLACES = ("门诊", "急诊", "儿科", "妇产科", "检验科", "放射科", "药房", "住院部", "收费处", "体检中心")
PROBLEMS = (
	"挂号排队时间过长",
	"医生问诊态度生硬",
	"收费项目不明确，没有提供费用清单",
	"检查报告迟迟拿不到",
	"病房卫生间长期没人打扫",
	"夜间找不到值班医生",
	"开的药品缺货，让去外面药店买",
	"护士抽血操作粗暴",
	"候诊区没有座位，老人只能站着等",
	"预约时间到了还要重新排队",
	"医保结算窗口只开一个",
	"住院押金退款拖了一个月",
)
DETAILS = (
	"上周三上午带孩子来看病，等了两个多小时。",
	"我父亲七十多岁，行动不便，工作人员也不帮忙。",
	"已经打过医院电话，没有人处理。",
	"希望医院尽快改进，给个说法。",
	"同去的几个病友都遇到同样的问题。",
	"询问原因时工作人员让我们自己去找领导。",
	"这种情况已经不是第一次了。",
	"要求医院核实并回复处理结果。",
)


def complaint_text(texts: str, run_id: str, i: int, n: int) -> str:
	if texts == "same":
		# the worst case of the repeat check: every text similar to the 200 latest of its institution
		return f"门诊挂号排队时间过长，候诊超过两小时（{run_id}-{i}-{n}）"
	rng = random.Random(f"{run_id}-{i}-{n}")
	return (
		f"{rng.choice(PLACES)}{rng.choice(PROBLEMS)}。{rng.choice(DETAILS)}{rng.choice(DETAILS)}"
		f"（编号{run_id}-{i}-{n}）"
	)


INTAKE_ROW, NOTE_ROW = "intake create_complaint", "REST insert Note (plain Frappe)"


def phase_intake(
	url: str,
	seconds: float,
	stats: Stats,
	institutions: list[str],
	auth: str,
	clients: int = 8,
	texts: str = "same",
) -> float:
	run_id = frappe.generate_hash(length=6)

	def body(i, stop):
		c = Client(url, {"Authorization": auth})
		n = 0
		while time.time() < stop:
			n += 1
			payload = {
				"channel": "12345 Hotline",
				"external_ref": f"BM-{run_id}-{i}-{n}",
				"institution": institutions[(i + n) % len(institutions)],
				"category": "Waiting Time",
				"description": complaint_text(texts, run_id, i, n),
				"complainant_name": "李四",
				# each complainant their own number: with one number for all, every complaint was a
				# repeat of every earlier one and the repeat check read them all (issue 14)
				"complainant_phone": f"139{random.randrange(10**8):08d}",
				"severity": "Medium",
			}
			status, out, secs, _ = c.request(
				"POST", "/api/method/hsq_app.api.intake.create_complaint", payload
			)
			stats.add(INTAKE_ROW, status, secs, out)

	return run_threads(clients, seconds, body)


def phase_note(url: str, seconds: float, stats: Stats, auth: str, clients: int = 8) -> float:

	def body(i, stop):
		c = Client(url, {"Authorization": auth})
		n = 0
		while time.time() < stop:
			n += 1
			payload = {"title": f"benchmark {i}-{n}", "content": "plain Frappe insert", "public": 0}
			status, out, secs, _ = c.request("POST", "/api/resource/Note", payload)
			stats.add(NOTE_ROW, status, secs, out)

	return run_threads(clients, seconds, body)


def phase_desk(url: str, seconds: float, stats: Stats, users: int = 50, think_s=(3.0, 9.0)) -> float:
	officers = frappe.get_all(
		"User", filters={"name": ["like", "officer@%.hsq.local"], "enabled": 1}, pluck="name"
	)
	if not officers:
		raise SystemExit("no demo officers (officer@<code>.hsq.local): run against the demo site")
	inst_of = {
		u: frappe.db.get_value("HSQ Staff", {"user": u, "status": "Active"}, "institution") for u in officers
	}
	dept_of = {
		inst: frappe.get_all("HSQ Department", filters={"institution": inst}, pluck="name", limit=1)[0]
		for inst in set(inst_of.values())
	}
	sessions = [login(url, officers[i % len(officers)], demo_password()) for i in range(users)]
	list_args = {
		"doctype": "HSQ Complaint",
		"fields": json.dumps(
			[
				"`tabHSQ Complaint`.`name`",
				"`tabHSQ Complaint`.`workflow_state`",
				"`tabHSQ Complaint`.`received_at`",
				"`tabHSQ Complaint`.`category`",
			]
		),
		"filters": "[]",
		"order_by": "`tabHSQ Complaint`.`received_at` desc",
		"start": 0,
		"page_length": 20,
		"view": "List",
		"with_comment_count": 1,
	}

	def think():
		time.sleep(random.uniform(*think_s))

	def body(i, stop):
		c = sessions[i]
		user = officers[i % len(officers)]
		inst = inst_of[user]
		time.sleep(random.random() * think_s[1])  # users do not all start at once
		while time.time() < stop:
			status, out, secs, _ = c.request(
				"POST", "/api/method/frappe.desk.reportview.get", list_args, form=True
			)
			stats.add("desk: list view (20 rows)", status, secs, out)
			names = []
			if status == 200:
				msg = json.loads(out).get("message") or {}
				names = [row[0] for row in msg.get("values", [])]
			think()
			if names:
				name = random.choice(names)
				q = urllib.parse.urlencode({"doctype": "HSQ Complaint", "name": name})
				status, out, secs, _ = c.request("GET", f"/api/method/frappe.desk.form.load.getdoc?{q}")
				stats.add("desk: form load", status, secs, out)
				think()
			# save: a new complaint registered at the desk (frappe.client.insert, as the form saves)
			doc = {
				"doctype": "HSQ Complaint",
				"channel": "On-site",
				"received_at": time.strftime("%Y-%m-%d %H:%M:%S"),  # (frappe.local is not bound in threads)
				"complainant_name": "王五",
				"complainant_phone": "13700137000",
				"patient_name": "王五",
				"institution": inst,
				"category": "Service Attitude",
				"description": "窗口工作人员态度生硬",
				"severity": "Medium",
			}
			status, out, secs, _ = c.request("POST", "/api/method/frappe.client.insert", {"doc": doc})
			stats.add("desk: save (new complaint)", status, secs, out)
			think()
			if status == 200:
				new = json.loads(out)["message"]["name"]
				status, out, secs, _ = c.request(
					"POST",
					"/api/method/hsq_app.complaints.api.apply_action",
					{"complaint": new, "action": "Dispatch", "values": {"department": dept_of[inst]}},
				)
				stats.add("desk: workflow action (Dispatch)", status, secs, out)
				think()
			rep = {"report_name": "Complaint Ledger", "filters": "{}", "ignore_prepared_report": "false"}
			status, out, secs, _ = c.request(
				"POST", "/api/method/frappe.desk.query_report.run", rep, form=True
			)
			stats.add("desk: report (Complaint Ledger)", status, secs, out)
			think()

	return run_threads(users, seconds, body)


def phase_public_pages(url: str, seconds: float, stats: Stats, clients: int = 8) -> dict:
	walls = {}
	for path, name in (
		("/complaint", "public page GET /complaint"),
		("/service-quality", "public page GET /service-quality"),
	):

		def body(i, stop, path=path, name=name):
			c = Client(url, {"Accept": "text/html"})
			while time.time() < stop:
				status, out, secs, _ = c.request("GET", path)
				stats.add(name, status, secs, out)

		walls[name] = run_threads(clients, seconds, body)
	return walls


def phase_public_submit(
	url: str, seconds: float, stats: Stats, institutions: list[str], clients: int = 8
) -> float:
	def body(i, stop):
		c = Client(url)
		n = 0
		while time.time() < stop:
			n += 1
			form = {
				"institution": institutions[(i + n) % len(institutions)],
				"category": "Fees",
				"description": f"收费项目不明确，没有提供费用清单（{i}-{n}）",
				"complainant_name": "赵六",
				"complainant_phone": f"136{random.randrange(10**8):08d}",
			}
			status, out, secs, _ = c.request(
				"POST", "/api/method/hsq_app.api.public.submit_complaint", form, form=True
			)
			stats.add("public form submission", status, secs, out)

	return run_threads(clients, seconds, body)


def intake_and_note(args, kinds, stats: Stats, cpu: list, institutions, auth: dict, warm_up) -> list[dict]:
	"""The intake and/or the Note phase (``kinds``), each warmed up first, run as ``--slices``
	alternating slices: intake, Note, intake... (one slice each: one phase after the other). A
	shared machine's speed wanders by a fifth within a minute (benchmarks/README.md), which two
	phases of 20 s one after the other measured as a change of the ratio between them; slices of a
	few seconds each meet the same machine. The rates are the requests of all slices of a kind over
	their summed wall time; the CPU, summed over the slices, includes each slice's queued work."""
	phases = {
		"intake": lambda secs, st: phase_intake(
			args.url, secs, st, institutions, auth["intake"], texts=args.texts
		),
		"note": lambda secs, st: phase_note(args.url, secs, st, auth["note"]),
	}
	for kind in kinds:
		warm_up(phases[kind])
	slices = max(args.slices, 1)
	seconds = args.seconds / slices
	wall = dict.fromkeys(kinds, 0.0)
	used = {k: dict.fromkeys(GROUPS, 0.0) for k in kinds}
	for _ in range(slices):
		for kind in kinds:
			before = cpu_seconds()
			wall[kind] += phases[kind](seconds, stats)
			drained()
			after = cpu_seconds()
			for g in GROUPS:
				used[kind][g] += after[g] - before[g]
	names = {"intake": INTAKE_ROW, "note": NOTE_ROW}
	rows = [stats.line(names[k], wall[k]) for k in kinds]
	if args.cpu:
		zero = dict.fromkeys(GROUPS, 0.0)
		for kind in kinds:
			label = "intake" if kind == "intake" else "Note"
			cpu.append(cpu_line(label, zero, used[kind], len(stats.latency[names[kind]])))
	if len(rows) == 2 and rows[0]["per_s"] and rows[1]["per_s"]:
		cpu.append(
			f"rate ratio, Note / intake, over {slices} alternating slice(s) of {seconds:.1f} s:"
			f" {rows[1]['per_s'] / rows[0]['per_s']:.2f}"
		)
	return rows


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--site", required=True)
	ap.add_argument("--url", required=True)
	ap.add_argument("--seconds", type=float, default=30)
	ap.add_argument("--only", default="intake,note,desk,public")
	ap.add_argument("--desk-seconds", type=float, default=90)
	ap.add_argument("--think", default="3,9", help="desk users' think time between steps, min,max seconds")
	ap.add_argument("--json", help="write the figures here as JSON")
	ap.add_argument(
		"--texts",
		choices=("same", "varied"),
		default="same",
		help="intake texts: 'same' matter every time (the repeat check's worst case, as measured"
		" before) or 'varied' (a mix of places, problems and details)",
	)
	ap.add_argument(
		"--warmup",
		type=float,
		default=3,
		help="seconds of untimed requests before the intake and the Note phase (0: none)",
	)
	ap.add_argument(
		"--slices",
		type=int,
		default=1,
		help="run the intake and the Note phase as this many alternating slices of --seconds/N each"
		" (the work each slice queued drained before the next), so that both meet the same machine;"
		" 1: one phase after the other",
	)
	ap.add_argument(
		"--cpu",
		action="store_true",
		help="after the intake and Note phases, wait for their queued work and print the CPU each request cost",
	)
	args = ap.parse_args()
	host = urllib.parse.urlsplit(args.url).hostname
	if host not in ("127.0.0.1", "localhost", "::1"):
		raise SystemExit("load is sent to this machine only (--url http://127.0.0.1:PORT)")
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	institutions = frappe.get_all(
		"HSQ Institution", filters={"institution_type": ("!=", "Bureau"), "disabled": 0}, pluck="name"
	)
	only = set(args.only.split(","))
	complaints_before = frappe.db.count("HSQ Complaint")
	stats = Stats()
	rows = []
	cpu = []
	# both tokens first: saving a user (generate_keys) clears the site's whole cache, every cached
	# meta with it (Frappe's ask_pass_update sets a global default), so a token made at the start of
	# a phase made that phase's first seconds rebuild the metas in every process at once; then each
	# phase is warmed up untimed, so both are measured in the steady state
	auth = {}
	if "intake" in only:
		auth["intake"] = token_for("intake@wjj.hsq.local")
	if "note" in only:
		auth["note"] = token_for("Administrator")

	def warm_up(phase):
		if args.warmup > 0:
			phase(args.warmup, Stats())
			drained()  # the warm-up's queued work is not the phase's

	kinds = [k for k in ("intake", "note") if k in only]
	if kinds:
		rows += intake_and_note(args, kinds, stats, cpu, institutions, auth, warm_up)
	if "desk" in only:
		wall = phase_desk(
			args.url, args.desk_seconds, stats, think_s=tuple(float(x) for x in args.think.split(","))
		)
		for name in (
			"desk: list view (20 rows)",
			"desk: form load",
			"desk: save (new complaint)",
			"desk: workflow action (Dispatch)",
			"desk: report (Complaint Ledger)",
		):
			rows.append(stats.line(name, wall))
	if "public" in only:
		for name, wall in phase_public_pages(args.url, args.seconds, stats).items():
			rows.append(stats.line(name, wall))
		before = frappe.db.get_single_value("HSQ Settings", "public_complaint_rate_limit")
		frappe.db.set_single_value("HSQ Settings", "public_complaint_rate_limit", 1_000_000)
		frappe.db.commit()
		frappe.clear_cache()
		try:
			wall = phase_public_submit(args.url, args.seconds, stats, institutions)
		finally:
			frappe.db.set_single_value("HSQ Settings", "public_complaint_rate_limit", before)
			frappe.db.commit()
			frappe.clear_cache()
		rows.append(stats.line("public form submission", wall))
	frappe.db.rollback()
	print(f"site {args.site}: {complaints_before} complaints before the run; {args.seconds:.0f} s per phase")
	print(f"| {'what':38} | ok | errors | per s | p50 ms | p95 ms | p99 ms |")
	print("|---|---:|---:|---:|---:|---:|---:|")
	for r in rows:
		print(
			f"| {r['what']:38} | {r['ok']} | {r['errors']} | {r['per_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |"
		)
	for line in cpu:
		print(line)
	for name, sample in stats.samples.items():
		print(f"first error of {name}: {sample}")
	if args.json:
		with open(args.json, "w") as f:
			json.dump({"complaints_before": complaints_before, "rows": rows}, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
	main()

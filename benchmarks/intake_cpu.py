"""CPU per request of the intake door against a plain Frappe REST insert of a Note, in-process.

Both requests go through Frappe's WSGI application (``hsq_app.wsgi``) exactly as gunicorn hands
them over (token auth, ``before_request``/``after_request`` hooks, the commit and its callbacks),
one after the other in this process, alternating rounds of ``-n`` requests of each; the figure is
the process's CPU time (``time.process_time``) per request, which a busy machine disturbs less
than wall time. The complaints and Notes stay on the site (a demo/benchmark site), and the
complaints' worklist jobs are queued as usual.

    cd <bench>/sites && ../env/bin/python <app>/benchmarks/intake_cpu.py --site hsq.localhost \
        [-n 60] [--rounds 6] [--dump /tmp/intake.prof]

Another checkout's code (e.g. main's, from ``git archive``) is measured by putting it first on
the path: ``env PYTHONPATH=/tmp/main-code ../env/bin/python <app>/benchmarks/intake_cpu.py ...``.
``--dump`` writes a cProfile (CPU clock) of ``-n`` more requests of each to ``<path>.intake`` and
``<path>.note``.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import time

import frappe
from werkzeug.test import EnvironBuilder


def token(user: str) -> str:
	from frappe.core.doctype.user.user import generate_keys

	secret = generate_keys(user)["api_secret"]
	key = frappe.db.get_value("User", user, "api_key")
	frappe.db.commit()
	return f"token {key}:{secret}"


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--site", required=True)
	ap.add_argument("-n", type=int, default=60, help="requests of each kind per round")
	ap.add_argument("--rounds", type=int, default=6)
	ap.add_argument("--dump", help="cProfile (CPU clock) of n more requests of each, to <dump>.intake/.note")
	args = ap.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	intake_auth, note_auth = token("intake@wjj.hsq.local"), token("Administrator")
	institutions = frappe.get_all(
		"HSQ Institution", filters={"institution_type": ("!=", "Bureau")}, pluck="name"
	)
	frappe.destroy()

	import hsq_app
	from hsq_app.wsgi import application

	run_id = frappe.generate_hash(length=6)
	count, errors = [0], []

	def call(path: str, body: dict, auth: str) -> None:
		environ = EnvironBuilder(
			path=path,
			method="POST",
			json=body,
			headers={"Authorization": auth, "Host": args.site},
			environ_base={"REMOTE_ADDR": "127.0.0.1"},
		).get_environ()
		status = []
		out = b"".join(application(environ, lambda s, h, e=None: status.append(s)))
		if not status[0].startswith("200"):
			errors.append(f"{path}: {status[0]} {out[:120]!r}")

	def intake():
		count[0] += 1
		n = count[0]
		call(
			"/api/method/hsq_app.api.intake.create_complaint",
			{
				"channel": "12345 Hotline",
				"external_ref": f"CPU-{run_id}-{n}",
				"institution": institutions[n % len(institutions)],
				"category": "Waiting Time",
				"description": f"门诊挂号排队时间过长，候诊超过两小时（{run_id}-{n}）",
				"complainant_name": "李四",
				"complainant_phone": f"139{random.randrange(10**8):08d}",
				"severity": "Medium",
			},
			intake_auth,
		)

	def note():
		count[0] += 1
		body = {"title": f"cpu {run_id}-{count[0]}", "content": "plain Frappe insert", "public": 0}
		call("/api/resource/Note", body, note_auth)

	for _ in range(5):  # warm this process: imports, the first meta and hooks
		intake()
		note()
	results = {"intake": [], "note": []}
	for _ in range(args.rounds):
		for label, fn in (("intake", intake), ("note", note)):
			started = time.process_time()
			for _ in range(args.n):
				fn()
			results[label].append((time.process_time() - started) / args.n * 1000)

	def median(values):
		return sorted(values)[len(values) // 2]

	print(f"site {args.site}, code {hsq_app.__file__}, n={args.n} x {args.rounds} rounds")
	for label, values in results.items():
		rounds = " ".join(f"{v:.1f}" for v in values)
		print(f"  {label}: CPU ms per request {rounds}; median {median(values):.2f}")
	print(f"  intake / Note (medians): {median(results['intake']) / median(results['note']):.2f}")
	print(f"  errors: {len(errors)} {errors[:3]}")
	if args.dump:
		for label, fn in (("intake", intake), ("note", note)):
			prof = cProfile.Profile(time.process_time)
			prof.enable()
			for _ in range(args.n):
				fn()
			prof.disable()
			prof.dump_stats(f"{args.dump}.{label}")


if __name__ == "__main__":
	main()

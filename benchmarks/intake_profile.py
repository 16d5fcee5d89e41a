"""Where one intake complaint's insert spends its time, against a plain Frappe insert (a Note).

Run inside the bench's sites folder on the demo site (nothing is kept: every insert is rolled back):

    cd <bench>/sites && ../env/bin/python <app>/benchmarks/intake_profile.py --site hsq.localhost [-n 200]

It calls ``hsq_app.api.intake.create_complaint`` in-process as the demo intake account ``n`` times
under cProfile, and the same number of ``frappe.get_doc({"doctype": "Note"}).insert()``, and prints
the mean time per insert of each and the cumulative time of the steps a complaint's insert goes
through (routing, SLA deadlines, ToDo assignment, notifications, Version, naming, SQL).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import frappe

# (label, module path fragment, function name): cumulative time of these functions
STEPS = [
	("intake: validate payload (_clean)", "hsq_app/api/intake.py", "_clean"),
	("intake: idempotency lookup (_existing)", "hsq_app/api/intake.py", "_existing"),
	("require_role", "hsq_app/permissions.py", "require_role"),
	("Document.insert (all of it)", "frappe/model/document.py", "insert"),
	("routing: apply_routing_rule", "hsq_app/complaints/routing.py", "apply_routing_rule"),
	("routing: reassign (ToDo worklist)", "hsq_app/complaints/routing.py", "reassign"),
	("ToDo: assign_to.add", "frappe/desk/form/assign_to.py", "add"),
	("SLA: on_validate (deadlines)", "hsq_app/complaints/sla.py", "on_validate"),
	("SLA: on_transition", "hsq_app/complaints/sla.py", "on_transition"),
	(
		"notifications: enqueue_create_notification",
		"frappe/desk/doctype/notification_log/notification_log.py",
		"enqueue_create_notification",
	),
	(
		"notifications: Notification rules (run_notifications)",
		"frappe/model/document.py",
		"run_notifications",
	),
	("Version: save_version", "frappe/model/document.py", "save_version"),
	("naming: set_new_name", "frappe/model/naming.py", "set_new_name"),
	("permlevel / permission checks", "frappe/model/document.py", "check_permission"),
	("link validation: _validate_links", "frappe/model/base_document.py", "_validate_links"),
	("db_insert (row + children)", "frappe/model/base_document.py", "db_insert"),
	("run_post_save_methods (on_update hooks)", "frappe/model/document.py", "run_post_save_methods"),
	("doc_events hooks (run_method)", "frappe/model/document.py", "run_method"),
	("SQL: Database.sql (all queries)", "frappe/database/database.py", "sql"),
	("realtime: publish_realtime", "frappe/realtime.py", "publish_realtime"),
	("Access Log", "frappe/core/doctype/access_log/access_log.py", "make_access_log"),
]


def cumulative(stats: pstats.Stats, path: str, func: str) -> tuple[float, int]:
	total, calls = 0.0, 0
	for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
		if name == func and filename.endswith(path):
			total += ct
			calls += nc
	return total, calls


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--site", required=True)
	ap.add_argument("-n", type=int, default=200)
	ap.add_argument("--dump", help="write the intake inserts' cProfile stats here (pstats format)")
	args = ap.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from hsq_app.api.intake import create_complaint

	institutions = frappe.get_all(
		"HSQ Institution", filters={"institution_type": ("!=", "Bureau")}, pluck="name"
	)
	run_id = frappe.generate_hash(length=6)

	def intake_once(i):
		frappe.set_user("intake@wjj.hsq.local")
		create_complaint(
			channel="12345 Hotline",
			external_ref=f"PROF-{run_id}-{i}",
			institution=institutions[i % len(institutions)],
			category="Waiting Time",
			description="门诊挂号排队时间过长",
			complainant_name="李四",
			complainant_phone="13900139000",
			severity="Medium",
		)
		frappe.db.rollback()

	def note_once(i):
		frappe.set_user("Administrator")
		frappe.get_doc({"doctype": "Note", "title": f"prof {i}", "content": "x"}).insert()
		frappe.db.rollback()

	for fn in (intake_once, note_once):  # warm caches
		for i in range(5):
			fn(10_000 + i)

	results = {}
	for label, fn in (("intake complaint", intake_once), ("plain Note", note_once)):
		prof = cProfile.Profile()
		started = time.perf_counter()
		prof.enable()
		for i in range(args.n):
			fn(i)
		prof.disable()
		results[label] = (time.perf_counter() - started) / args.n
		if label == "intake complaint":
			stats = pstats.Stats(prof)
			if args.dump:
				prof.dump_stats(args.dump)
	print(
		f"site {args.site}, {frappe.db.count('HSQ Complaint')} complaints, n={args.n} (in-process, cProfile on)"
	)
	for label, secs in results.items():
		print(f"  mean per insert, {label}: {secs * 1000:.1f} ms")
	print("\n| step of one intake insert | ms per complaint | calls per complaint |")
	print("|---|---:|---:|")
	for label, path, func in STEPS:
		total, calls = cumulative(stats, path, func)
		print(f"| {label} | {total / args.n * 1000:.1f} | {calls / args.n:.1f} |")
	print("\ninside assign_to.add (ToDo assignment), cumulative per complaint:")
	stats.sort_stats("cumulative").print_callees("assign_to.py.*\\(add\\)")
	print("\ntop 25 by own time:")
	stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
	main()

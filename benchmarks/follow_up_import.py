"""Benchmark: importing discharges through the API path vs one document at a time.

Run inside the bench's sites folder, as the bench user:

    runuser -u frappe -- ../env/bin/python <app>/benchmarks/follow_up_import.py --site <site>

It makes two like institutions (same departments, five follow-up agents each), then in one run:

1. bulk: ``hsq_app.api.follow_up.import_discharges`` with N records (default 10,000; three stages
   each, so 30,000 follow-ups) as an agent, committed as the request would be;
2. bulk on the baseline's size, for a like-for-like ratio;
3. baseline: the same records for the twin institution inserted one ``HSQ Discharge Record`` at a
   time (each insert schedules its three follow-ups one document at a time), on a subset (default
   500) and extrapolated linearly to N; the report says so.

Everything it made is removed afterwards unless ``--keep`` is given (benchmark data, not records).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta


def parse_args():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default=".")
	parser.add_argument("--records", type=int, default=10_000)
	parser.add_argument("--baseline", type=int, default=500, help="records inserted one at a time")
	parser.add_argument("--keep", action="store_true", help="keep the benchmark's data")
	return parser.parse_args()


def make_records(institution: str, count: int, seed: int = 7) -> list[dict]:
	rng = random.Random(seed)
	today = date.today()
	departments = ["内科", "外科", "妇产科", "儿科"]
	return [
		{
			"patient_name": f"患者{i:05d}",
			"medical_record_no": f"BM{i:07d}",
			"patient_phone": f"139{rng.randint(10_000_000, 99_999_999)}",
			"institution": institution,
			"department": departments[i % len(departments)],
			"discharge_date": str(today - timedelta(days=1 + i % 60)),
			"is_special": 0,
		}
		for i in range(count)
	]


def setup_world(tag: str):
	import frappe

	from hsq_app import roles as R

	bureau = frappe.db.get_value("HSQ Institution", {"institution_type": "Bureau"})
	if not bureau:
		bureau = (
			frappe.get_doc(
				{
					"doctype": "HSQ Institution",
					"institution_name": f"基准测试卫健局{tag}",
					"institution_type": "Bureau",
					"grade": "Ungraded",
					"is_group": 1,
				}
			)
			.insert()
			.name
		)
	world = {"bureau": bureau, "users": [], "institutions": []}
	for key in ("bulk", "doc"):
		institution = (
			frappe.get_doc(
				{
					"doctype": "HSQ Institution",
					"institution_name": f"基准测试医院{key}{tag}",
					"institution_type": "Hospital",
					"grade": "Secondary",
					"parent_hsq_institution": bureau,
					"is_group": 1,
				}
			)
			.insert()
			.name
		)
		world["institutions"].append(institution)
		for dept in ("内科", "外科", "妇产科", "儿科"):
			frappe.get_doc(
				{"doctype": "HSQ Department", "department_name": dept, "institution": institution}
			).insert()
		agents = []
		for n in range(5):
			email = f"bench-{key}-{n}-{tag}@bench.hsq"
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": f"回访员{n}",
					"send_welcome_email": 0,
					"roles": [{"role": R.FOLLOW_UP_AGENT}],
				}
			).insert(ignore_permissions=True)
			frappe.get_doc(
				{
					"doctype": "HSQ Staff",
					"staff_name": f"回访员{n}",
					"institution": institution,
					"user": email,
				}
			).insert()
			agents.append(email)
			world["users"].append(email)
		world[key] = {"institution": institution, "agent": agents[0]}
	frappe.db.commit()
	return world


def as_user(user):
	import frappe

	frappe.set_user(user)
	frappe.local.hsq_active_staff = {}


def bench_bulk(records, user) -> tuple[float, dict]:
	import frappe

	from hsq_app.api.follow_up import import_discharges

	as_user(user)
	start = time.perf_counter()
	result = import_discharges(records)
	frappe.db.commit()
	elapsed = time.perf_counter() - start
	as_user("Administrator")
	return elapsed, result


def bench_one_at_a_time(records, user) -> float:
	import frappe

	as_user(user)
	start = time.perf_counter()
	for record in records:
		department = frappe.db.get_value(
			"HSQ Department", {"institution": record["institution"], "department_name": record["department"]}
		)
		frappe.get_doc({"doctype": "HSQ Discharge Record", **record, "department": department}).insert()
	frappe.db.commit()
	elapsed = time.perf_counter() - start
	as_user("Administrator")
	return elapsed


def cleanup(world):
	import frappe

	institutions = world["institutions"]
	records = frappe.get_all("HSQ Discharge Record", {"institution": ("in", institutions)}, pluck="name")
	follow_ups = frappe.get_all("HSQ Follow Up", {"institution": ("in", institutions)}, pluck="name")
	for doctype, names in (("HSQ Follow Up", follow_ups), ("HSQ Discharge Record", records)):
		for start in range(0, len(names), 5000):
			chunk = names[start : start + 5000]
			frappe.db.delete("Version", {"ref_doctype": doctype, "docname": ("in", chunk)})
			frappe.db.delete(doctype, {"name": ("in", chunk)})
	for user in world["users"]:
		frappe.db.delete("HSQ Staff", {"user": user})
		frappe.db.delete("User Permission", {"user": user})
		frappe.db.delete("Has Role", {"parent": user})
		frappe.db.delete("User", {"name": user})
	frappe.db.delete("HSQ Department", {"institution": ("in", institutions)})
	for institution in institutions:
		frappe.db.delete("HSQ Institution", {"name": institution})
	frappe.db.commit()


def main():
	args = parse_args()
	import frappe

	frappe.init(site=args.site, sites_path=args.sites_path)
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.flags.mute_emails = True
	settings = {"follow_up_offsets": "0,7,30", "follow_up_assignment": "Balanced Across Agents"}
	previous = {f: frappe.db.get_single_value("HSQ Settings", f, cache=False) for f in settings}
	for field, value in settings.items():
		frappe.db.set_single_value("HSQ Settings", field, value)
	frappe.db.commit()

	tag = frappe.generate_hash(length=5)
	world = setup_world(tag)
	try:
		bulk_records = make_records(world["bulk"]["institution"], args.records)
		bulk_seconds, result = bench_bulk(bulk_records, world["bulk"]["agent"])
		assert result["created"] == args.records and not result["invalid"], result["invalid"][:3]

		small_records = make_records(world["bulk"]["institution"], args.baseline, seed=8)
		for r in small_records:
			r["medical_record_no"] = "S" + r["medical_record_no"]
		small_bulk_seconds, _small = bench_bulk(small_records, world["bulk"]["agent"])

		doc_records = make_records(world["doc"]["institution"], args.baseline)
		doc_seconds = bench_one_at_a_time(doc_records, world["doc"]["agent"])
		doc_follow_ups = frappe.db.count("HSQ Follow Up", {"institution": world["doc"]["institution"]})

		per_record_doc = doc_seconds / args.baseline
		extrapolated = per_record_doc * args.records
		figures = {
			"records": args.records,
			"follow_ups": result["follow_ups"],
			"bulk_seconds": round(bulk_seconds, 2),
			"bulk_records_per_second": round(args.records / bulk_seconds),
			"baseline_records_measured": args.baseline,
			"baseline_follow_ups_measured": doc_follow_ups,
			"baseline_seconds_measured": round(doc_seconds, 2),
			"baseline_seconds_extrapolated": round(extrapolated, 1),
			"speedup_vs_extrapolated_baseline": round(extrapolated / bulk_seconds, 1),
			"bulk_seconds_same_size_as_baseline": round(small_bulk_seconds, 3),
			"speedup_same_size": round(doc_seconds / small_bulk_seconds, 1),
			"goal_under_20s": bulk_seconds < 20,
			"goal_10x": extrapolated / bulk_seconds >= 10,
		}
		print(
			f"API path (bulk): {args.records} discharges, {result['follow_ups']} follow-ups in {bulk_seconds:.2f} s"
		)
		print(
			f"one document at a time: {args.baseline} discharges ({doc_follow_ups} follow-ups) in {doc_seconds:.2f} s"
			f" -> extrapolated to {args.records}: {extrapolated:.1f} s"
		)
		print(
			f"speed-up: {figures['speedup_vs_extrapolated_baseline']}x (vs extrapolated baseline); "
			f"{figures['speedup_same_size']}x at the same size ({args.baseline}: bulk {small_bulk_seconds:.3f} s)"
		)
		print(json.dumps(figures, ensure_ascii=False))
	finally:
		if not args.keep:
			cleanup(world)
		for field, value in previous.items():
			frappe.db.set_single_value("HSQ Settings", field, value)
		frappe.db.commit()
		frappe.destroy()


if __name__ == "__main__":
	main()

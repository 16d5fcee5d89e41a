"""Benchmark: the SLA sweep over N open complaints against a per-document baseline, in one run.

Run inside a bench's sites folder, on a throw-away site (it deletes every complaint on it):

    cd <bench>/sites && ../env/bin/python <app>/benchmarks/sla_sweep.py --site <benchmark site>

For each size N (default 10,000 and 100,000), with "now" the latest working day at 16:00:

1. N open complaints (In Progress, acknowledged) are made with ``frappe.db.bulk_insert``,
   received over the 16 calendar days before now, deadlines from
   ``hsq_app.complaints.sla.clock.compute_deadlines`` (80 % default policy, 15 % 12345, 5 % 信访).
2. They are swept as of one working day earlier (not timed): the state a running system had.
3. Timed: the sweep at now (one working day of changes: warnings, breaches, escalations with
   their log rows and notifications), the email digests job it enqueues, the same sweep again
   at once (nothing left to change) and, after 30 s, one five minutes later.
4. Worst case, timed: everything reset to On Track / level 0 and swept once (the first sweep
   ever, over the whole 16-day backlog: every overdue complaint breaches and climbs the chain).
5. Baseline, on the same data: the state of step 2 is restored and a random subset of the
   complaints is processed the per-document way (load, recompute deadlines and status, insert
   its escalation logs and Notification Logs as documents, save). Its time is extrapolated to N
   (said so in the output) and its results are compared with the sweep's on that subset.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dt_time

import frappe
from frappe.utils import now_datetime

CHANNELS = (
	["On-site"] * 40
	+ ["WeChat"] * 20
	+ ["Hotline"] * 20
	+ ["12345 Hotline"] * 15
	+ ["Letters and Visits"] * 5
)
CATEGORIES = ["Service Attitude", "Waiting Time", "Medical Quality", "Fees", "Environment", "Process"]
PREFIX = "BENCH-"


def log(*args):
	print(*args, flush=True)


def setup_world():
	"""A bureau, 4 hospitals with 5 departments each, heads and leaders (idempotent)."""
	from frappe.utils.user import get_users_with_role

	if not frappe.db.exists("Email Account", "基准测试发件"):
		# an outgoing account so the sweep queues its digest emails (nothing sends them here)
		frappe.flags.in_test = True  # skip the SMTP login check of Email Account.validate
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "基准测试发件",
				"email_id": "sla-bench@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "localhost",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)
		frappe.flags.in_test = False

	if not frappe.db.exists("Workflow State", "In Progress"):  # (the complaint workflow may not be here)
		frappe.get_doc({"doctype": "Workflow State", "workflow_state_name": "In Progress"}).insert()

	def user(email, role):
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": email.split("@")[0],
					"enabled": 1,
					"send_welcome_email": 0,
					"roles": [{"role": role}],
				}
			).insert(ignore_permissions=True)
		frappe.db.set_value("User", email, "enabled", 1)
		return email

	def institution(name, kind, parent):
		if not frappe.db.exists("HSQ Institution", name):
			frappe.get_doc(
				{
					"doctype": "HSQ Institution",
					"institution_name": name,
					"institution_type": kind,
					"grade": "Secondary" if kind == "Hospital" else "Ungraded",
					"parent_hsq_institution": parent,
					"is_group": 1,
				}
			).insert(ignore_permissions=True)
		return name

	bureau = institution("基准测试卫健局", "Bureau", None)
	for i in range(2):
		user(f"bureau{i}@bench.hsq", "HSQ Bureau Admin")
	departments = []
	for h in range(4):
		inst = institution(f"基准测试医院{h}", "Hospital", bureau)
		frappe.db.set_value(
			"HSQ Institution",
			inst,
			{
				"deputy_head": user(f"deputy{h}@bench.hsq", "HSQ Institution Leader"),
				"principal_head": user(f"principal{h}@bench.hsq", "HSQ Institution Leader"),
			},
		)
		for d in range(5):
			name = frappe.db.get_value("HSQ Department", {"institution": inst, "department_name": f"科室{d}"})
			if not name:
				name = (
					frappe.get_doc(
						{"doctype": "HSQ Department", "department_name": f"科室{d}", "institution": inst}
					)
					.insert(ignore_permissions=True)
					.name
				)
			head = user(f"head{h}{d}@bench.hsq", "HSQ Department Head")
			frappe.db.set_value("HSQ Department", name, "department_head", head)
			if not frappe.db.exists("HSQ Staff", {"user": head}):
				# a head heads the department of their active staff post (hsq_setup/departments.py)
				frappe.get_doc(
					{
						"doctype": "HSQ Staff",
						"staff_name": head.split("@")[0],
						"institution": inst,
						"department": name,
						"user": head,
						"status": "Active",
					}
				).insert(ignore_permissions=True)
			departments.append((inst, name))
	frappe.db.commit()
	log(
		f"world: {len(departments)} departments, bureau admins {len(get_users_with_role('HSQ Bureau Admin'))}"
	)
	return departments


def wipe():
	for table in ("HSQ Complaint", "HSQ Escalation Log", "HSQ SLA Pause", "HSQ SLA Extension"):
		frappe.db.sql(f"DELETE FROM `tab{table}`")  # a throw-away benchmark site
	frappe.db.sql("DELETE FROM `tabNotification Log`")
	frappe.db.sql("DELETE FROM `tabEmail Queue Recipient`")
	frappe.db.sql("DELETE FROM `tabEmail Queue`")
	frappe.db.commit()


def make_complaints(n, departments, now, rng):
	from hsq_app.complaints import sla
	from hsq_app.utils.work_calendar import get_calendar

	cal = get_calendar()
	fields = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"naming_series",
		"channel",
		"received_at",
		"complainant_name",
		"institution",
		"department",
		"category",
		"severity",
		"is_complex",
		"description",
		"registered_by",
		"workflow_state",
		"acknowledged_at",
		"sla_policy",
		"acknowledge_by",
		"first_contact_by",
		"resolve_by",
		"warn_by",
		"deadline_is_provisional",
		"sla_status",
		"escalation_level",
		"paused_hours",
		"extension_days",
	]
	policy_cache = {}
	rows = []
	span = 16 * 24 * 3600
	for i in range(n):
		received = now - timedelta(seconds=rng.randrange(600, span))
		channel = rng.choice(CHANNELS)
		is_complex = 1 if rng.random() < 0.1 else 0
		if channel not in policy_cache:
			policy_cache[channel] = sla.policy.match_policy(channel, None, "Medium")
		d = sla.clock.compute_deadlines(policy_cache[channel], received, is_complex=is_complex, calendar=cal)
		inst, dept = departments[i % len(departments)]
		rows.append(
			(
				f"{PREFIX}{i:07d}",
				received,
				received,
				"Administrator",
				"Administrator",
				"TS-.YYYY.-",
				channel,
				received,
				"基准",
				inst,
				dept,
				CATEGORIES[i % len(CATEGORIES)],
				"Medium",
				is_complex,
				"基准测试投诉",
				"Administrator",
				"In Progress",
				received + timedelta(minutes=30),
				d.sla_policy,
				d.acknowledge_by,
				d.first_contact_by,
				d.resolve_by,
				d.warn_by,
				d.deadline_is_provisional,
				"On Track",
				0,
				0,
				0,
			)
		)
	frappe.db.bulk_insert("HSQ Complaint", fields, rows)
	frappe.db.commit()


jobs = []  # background jobs the sweeps enqueue (the email digests), run here in the foreground


def capture_job(method, **kwargs):
	jobs.append((method, kwargs))


def run_jobs():
	sent = 0
	for method, kwargs in jobs:
		kwargs = {k: v for k, v in kwargs.items() if k not in ("queue", "enqueue_after_commit")}
		sent += frappe.get_attr(method)(**kwargs) or 0
	jobs.clear()
	frappe.db.commit()
	return sent


def timed(fn, *args, **kwargs):
	start = time.perf_counter()
	result = fn(*args, **kwargs)
	return time.perf_counter() - start, result


def snapshot(names):
	rows = frappe.get_all(
		"HSQ Complaint", filters={"name": ("in", names)}, fields=["name", "sla_status", "escalation_level"]
	)
	return {r.name: (r.sla_status, r.escalation_level) for r in rows}


def reset_state():
	frappe.db.sql("UPDATE `tabHSQ Complaint` SET sla_status = 'On Track', escalation_level = 0")
	frappe.db.sql("DELETE FROM `tabHSQ Escalation Log`")
	frappe.db.sql("DELETE FROM `tabNotification Log`")
	frappe.db.commit()


def baseline(names, now):
	"""The per-document way: load, recompute, escalate with document inserts, save."""
	from hsq_app.complaints.sla import deadlines, notify, policy
	from hsq_app.utils.work_calendar import get_calendar

	cal = get_calendar()
	recipients = notify.Recipients()
	for name in names:
		doc = frappe.get_doc("HSQ Complaint", name)
		deadlines.apply_deadlines(doc, now)
		policy_ = policy.get_policy(doc.sla_policy)
		if doc.sla_status == "Breached":
			overdue = cal.working_hours_between(doc.resolve_by, now)
			for rule in policy_.escalations:
				if rule.level > doc.escalation_level and overdue >= rule.after_hours:
					users = recipients.of(rule.notify, doc)
					frappe.get_doc(
						{
							"doctype": "HSQ Escalation Log",
							"complaint": doc.name,
							"level": rule.level,
							"escalated_at": now,
							"institution": doc.institution,
							"notify": rule.notify,
							"notified": ", ".join(users),
						}
					).insert(ignore_permissions=True)
					for user in users:
						frappe.get_doc(
							{
								"doctype": "Notification Log",
								"subject": f"{doc.name} escalated (level {rule.level})",
								"for_user": user,
								"type": "Alert",
								"document_type": "HSQ Complaint",
								"document_name": doc.name,
								"from_user": "Administrator",
							}
						).insert(ignore_permissions=True)
					doc.escalation_level = rule.level
		doc.flags.hsq_sla_clock_changed = True  # let the save keep the level set here
		doc.save(ignore_permissions=True)
	frappe.db.commit()


def recount_cells():
	"""The per-day complaint cells (hsq_app.complaints.stats) of complaints written or reset by
	bulk SQL, so the sweep keeps real cells; absent from code older than issue 14, part 6."""
	try:
		from hsq_app.complaints import stats
	except ImportError:
		return
	stats.rebuild()
	frappe.db.commit()
	# a running system never rebuilds its cells just before a sweep: let InnoDB purge the rebuild's
	# old row versions first (timed right after it, the 100k backlog sweep took twice as long)
	time.sleep(30)


def run_size(n, departments, baseline_n, seed):
	from hsq_app.complaints import sla
	from hsq_app.utils.work_calendar import get_calendar

	rng = random.Random(seed)
	cal = get_calendar()
	wipe()
	# a working afternoon (the latest before the real clock), so a day's deadlines really pass
	day = now_datetime().date()
	while not cal.is_working_day(day) or datetime.combine(day, dt_time(16)) > now_datetime():
		day -= timedelta(days=1)
	now = datetime.combine(day, dt_time(16))
	previous = datetime.combine(cal.add_working_days(day, -1), dt_time(16))
	frappe.flags.hsq_now = now  # the clock of every save below (the baseline's)
	t_make, _ = timed(make_complaints, n, departments, now, rng)
	frappe.db.sql("ANALYZE TABLE `tabHSQ Complaint`")
	recount_cells()  # the complaints were written behind the app: their per-day cells (issue 14)

	sla.sweep(now=previous)  # the state as swept until one working day earlier (not timed)
	jobs.clear()
	t_day, c_day = timed(sla.sweep, now=now)
	t_mail, mails = timed(run_jobs)
	t_again, c_again = timed(sla.sweep, now=now)
	# the next scheduled run comes five minutes later; give InnoDB's purge of the old row
	# versions the big run left behind half a minute of that (the repeat above had none)
	time.sleep(30)
	t_5min, c_5min = timed(sla.sweep, now=now + timedelta(minutes=5))
	sample = sorted(rng.sample([f"{PREFIX}{i:07d}" for i in range(n)], baseline_n))
	swept = snapshot(sample)

	reset_state()  # worst case: the first sweep ever, over the whole 16-day backlog
	recount_cells()
	t_all, c_all = timed(sla.sweep, now=now)

	reset_state()
	recount_cells()
	sla.sweep(now=previous)  # back to the state the one-day sweep started from
	tb, _ = timed(baseline, sample, now)
	based = snapshot(sample)
	agree = sum(1 for k in sample if swept[k] == based[k]) / len(sample)
	per_doc = tb / baseline_n
	extrapolated = per_doc * n
	return {
		"n": n,
		"now": str(now),
		"load_average_at_end": os.getloadavg(),
		"make_s": round(t_make, 1),
		"sweep_one_day_s": round(t_day, 3),
		"sweep_one_day_counts": c_day,
		"email_job_s": round(t_mail, 3),
		"emails_queued": mails,
		"sweep_repeat_s": round(t_again, 3),
		"sweep_repeat_counts": c_again,
		"sweep_5min_later_s": round(t_5min, 3),
		"sweep_5min_later_counts": c_5min,
		"sweep_whole_backlog_s": round(t_all, 3),
		"sweep_whole_backlog_counts": c_all,
		"baseline_docs": baseline_n,
		"baseline_s": round(tb, 2),
		"baseline_per_doc_ms": round(per_doc * 1000, 2),
		"baseline_extrapolated_s": round(extrapolated, 1),
		"speedup_vs_baseline": round(extrapolated / t_day, 1),
		"agreement_on_subset": round(agree * 100, 2),
	}


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
	parser.add_argument("--baseline", type=int, default=1000, help="complaints the baseline processes")
	parser.add_argument("--seed", type=int, default=4)
	parser.add_argument("--json", help="write the figures to this file")
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.enqueue = capture_job  # no worker runs here: time the email job in the foreground
	frappe.set_user("Administrator")
	others = frappe.db.sql(f"SELECT COUNT(*) FROM `tabHSQ Complaint` WHERE name NOT LIKE '{PREFIX}%%'")[0][0]
	if others:
		sys.exit(f"{args.site} has {others} real complaints: use a throw-away benchmark site")
	departments = setup_world()
	results = []
	for n in args.sizes:
		log(f"--- {n:,} open complaints")
		r = run_size(n, departments, min(args.baseline, n), args.seed)
		results.append(r)
		log(json.dumps(r, ensure_ascii=False, indent=1, default=str))
	log("")
	log(
		"| open complaints | sweep with a day's changes | repeat (no change) | 5 min later "
		"| per-document baseline, same work (extrapolated) | speed-up | first sweep over the whole backlog |"
	)
	log("|---:|---:|---:|---:|---:|---:|---:|")
	for r in results:
		log(
			f"| {r['n']:,} | {r['sweep_one_day_s']:.2f} s | {r['sweep_repeat_s']:.3f} s "
			f"| {r['sweep_5min_later_s']:.3f} s | {r['baseline_extrapolated_s']:,.0f} s "
			f"({r['baseline_per_doc_ms']:.1f} ms × {r['n']:,}; measured on {r['baseline_docs']:,}) "
			f"| {r['speedup_vs_baseline']:,.0f}× | {r['sweep_whole_backlog_s']:.2f} s |"
		)
	if args.json:
		with open(args.json, "w") as f:
			json.dump(results, f, ensure_ascii=False, indent=1, default=str)
	wipe()
	frappe.destroy()


if __name__ == "__main__":
	main()

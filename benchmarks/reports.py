"""Benchmark: the desk's reports on 1 million complaints and 1 million follow-ups.

Run inside the bench's sites folder, as the bench user, on a dedicated site:

    runuser -u frappe -- ../env/bin/python <app>/benchmarks/reports.py --site <site>

1. Data (idempotent, resumable): a county of 20 institutions (a bureau, three hospitals, a
   community health centre and fifteen township health centres) with departments, staff and
   users, then, spread over the last 24 months, 1,000,000 HSQ Complaint rows, 333,334 HSQ
   Discharge Records with 1,000,000 HSQ Follow Up rows (stages 0/7/30; completed calls carry a
   score per questionnaire dimension), 10,000 rectification tasks (with measures) and 3,000
   accountability records. Rows are written as multi-row INSERTs in chunks whose names
   are deterministic, so a chunk already present is skipped and an interrupted run resumes.
   The per-day follow-up figures (hsq_app.follow_up.stats) are then rebuilt from those rows and
   the rebuild timed: the bulk INSERTs bypass the app, as a restore would.
2. Timing: each report in ``REPORTS`` that exists on the site is run exactly as the desk runs it,
   ``frappe.desk.query_report.run(name, filters=<json>, ignore_prepared_report=True)``, as a bureau
   admin (all institutions) and as a user of the largest hospital (its quality officer, or its
   leader where the report is not open to quality officers), with the filters the desk opens with
   and with a one-year range; each 3 times, the median reported against the 2 s goal. Then the
   workspaces' charts and number cards, as the desk fetches them.

Prints a table and writes the figures as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

GOAL_SECONDS = 2.0  # --goal: 1 s at 1 million complaints, 2 s at 4 million (issue 14, part 6)
ANCHOR_KEY = "hsq_reports_benchmark_until"


# --- the reports --------------------------------------------------------------------------------


def _month_start(d: date) -> date:
	return d.replace(day=1)


def _month_end(d: date) -> date:
	return _months(_month_start(d), 1) - timedelta(days=1)


def _months(d: date, n: int) -> date:
	"""d moved by n calendar months (day clipped to the month's length), as frappe.datetime does."""
	y, m = divmod(d.month - 1 + n, 12)
	year, month = d.year + y, m + 1
	last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
	return date(year, month, min(d.day, last))


@dataclass(frozen=True)
class Case:
	report: str
	default: Callable[[date], dict]  # what the desk opens with (the report's .js defaults)
	year: Callable[[date], dict] | None  # a one-year range (None: the report has no range)


def _iso(filters: dict) -> dict:
	return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items()}


# One line per report; a report that does not exist on the site is skipped.
REPORTS = [
	Case(
		"Complaint Ledger",
		lambda t: {"from_date": _months(t, -1), "to_date": t},
		lambda t: {"from_date": _months(t, -12), "to_date": t},
	),
	Case(
		"SLA Compliance",
		lambda t: {"from_date": _months(t, -12), "to_date": t, "group_by": "Institution"},
		lambda t: {"from_date": _months(t, -12), "to_date": t, "group_by": "Month"},
	),
	Case(
		"Follow Up Satisfaction",
		lambda t: {"from_date": _months(_month_start(t), -5), "to_date": _month_end(t)},
		lambda t: {"from_date": _months(t, -12), "to_date": t},
	),
	Case(
		"Follow Up Coverage",
		lambda t: {"from_date": _month_start(t), "to_date": _month_end(t)},
		lambda t: {"from_date": _months(t, -12), "to_date": t},
	),
	Case(
		"Rectification Ledger",
		lambda t: {},
		lambda t: {"from_date": _months(t, -12), "to_date": t},
	),
	Case("Accountability Ledger", lambda t: {"year": t.year}, lambda t: {"year": t.year - 1}),
	Case("Monthly Bureau Summary", lambda t: {"month": _month_start(t)}, None),
	Case("SLA Overdue Board", lambda t: {}, None),
]


# --- the county ---------------------------------------------------------------------------------

DOMAIN = "rbench.hsq.local"
BUREAU = "基准县卫生健康局"
HOSPITALS = [  # (name, grade, share of complaints and discharges)
	("基准县人民医院", "Tertiary", 0.30),
	("基准县中医院", "Secondary", 0.18),
	("基准县妇幼保健院", "Secondary", 0.10),
]
COMMUNITY = ("基准县城区社区卫生服务中心", 0.06)
TOWNS = "城关 石桥 河口 青山 柳林 新集 白杨 黄庄 李店 安乐 龙泉 清水 三岔 红旗 长岭".split()
TOWNSHIP_SHARE = 0.36  # spread over the fifteen township health centres
HOSPITAL_DEPARTMENTS = (
	"内科 外科 妇产科 儿科 急诊科 骨科 眼科 耳鼻喉科 口腔科 中医科 检验科 影像科 门诊部 收费处".split()
)
PRIMARY_DEPARTMENTS = "全科 内科 外科 公共卫生科 收费处".split()
NON_CLINICAL = {"检验科", "影像科", "门诊部", "收费处", "公共卫生科"}
STAFF_PER_DEPARTMENT = 5

CHANNELS = {
	"On-site": 30,
	"Hotline": 14,
	"12345 Hotline": 20,
	"Letters and Visits": 3,
	"Website": 5,
	"WeChat": 12,
	"Mailbox": 3,
	"Satisfaction Survey": 4,
	"Follow Up": 5,
	"Bureau Referral": 2,
	"Email": 2,
}
CATEGORIES = {
	"Service Attitude": 28,
	"Waiting Time": 18,
	"Medical Quality": 15,
	"Fees": 12,
	"Environment": 6,
	"Medical Ethics": 4,
	"Process": 10,
	"Privacy": 2,
	"Other": 5,
}
SEVERITIES = {"Low": 30, "Medium": 50, "High": 15, "Urgent": 5}
FINDINGS = {"Upheld": 30, "Partially Upheld": 30, "Not Upheld": 40}
FEEDBACK = {"Satisfied": 62, "Basically Satisfied": 28, "Dissatisfied": 10}
# workflow state by the complaint's age (days since receipt)
STATES_BY_AGE = [
	(
		45,
		{
			"Closed": 82,
			"Resolved": 6,
			"Not Accepted": 5,
			"In Progress": 3,
			"Pending Approval": 2,
			"Accepted": 1,
			"Dispatched": 1,
		},
	),
	(
		14,
		{
			"Closed": 55,
			"Resolved": 15,
			"In Progress": 12,
			"Pending Approval": 8,
			"Not Accepted": 5,
			"Accepted": 3,
			"Dispatched": 2,
		},
	),
	(
		0,
		{
			"In Progress": 25,
			"Dispatched": 15,
			"Accepted": 15,
			"Registered": 10,
			"Pending Approval": 10,
			"Resolved": 10,
			"Closed": 10,
			"Not Accepted": 5,
		},
	),
]
DONE_STATES = {"Resolved", "Closed"}
WITH_FINDING = {"Pending Approval", "Resolved", "Closed"}
ACCEPTED_ON = {"Accepted", "In Progress", "Pending Approval", "Resolved", "Closed"}
DESCRIPTIONS = {
	"Service Attitude": "护士态度生硬，询问病情时不耐烦",
	"Waiting Time": "挂号后候诊两个多小时，无人解释",
	"Medical Quality": "术后伤口感染，怀疑处置不当",
	"Fees": "出院结算清单有重复收费项目",
	"Environment": "病房卫生间长期漏水，无人维修",
	"Medical Ethics": "医生暗示家属送红包",
	"Process": "检查预约流程繁琐，多次往返",
	"Privacy": "检查时未拉帘，隐私未受保护",
	"Other": "停车场收费标准不清",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰红梅"

FU_STATUS_PAST = {"Completed": 80, "Unreachable": 9, "Refused": 3, "Overdue": 8}
FU_STATUS_RECENT = {"Pending": 50, "Completed": 40, "Unreachable": 10}
FU_CHANNELS = {"Phone": 85, "WeChat": 8, "SMS": 5, "On-site": 2}
SATISFACTION = {5: 55, 4: 30, 3: 10, 2: 4, 1: 1}  # a completed call needs an overall score
STAGES = (0, 7, 30)

TASK_SOURCES = {
	"Complaint": 45,
	"Concentrated Problem": 15,
	"Spot Check": 12,
	"Survey": 10,
	"Inspection": 13,
	"Other": 5,
}
TASK_STATES = {"Closed": 60, "Pending Verification": 12, "In Progress": 18, "Open": 10}
PDCA_BY_STATE = {"Open": "Plan", "In Progress": "Do", "Pending Verification": "Check", "Closed": "Act"}
EFFECTS = {"Improved": 55, "No Change": 25, "Worse": 5, "Insufficient Data": 15}
ACCOUNTABILITY_STATES = {"Approved": 55, "Proposed": 30, "Dismissed": 15}

STANDARD = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx"]
CHILD = ["parent", "parentfield", "parenttype"]


def pick(rng: random.Random, weights: dict):
	return rng.choices(list(weights), weights=list(weights.values()))[0]


def person(rng: random.Random) -> str:
	return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", rng.choice(GIVEN)])


def phone(rng: random.Random) -> str:
	return f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def unique_code(k: int, salt: int) -> str:
	"""A unique 10-hex-digit code per k (a bijection on 40 bits), like tracking codes look."""
	return f"{(k * 0x9E3779B1 + salt) % (1 << 40):010X}"


def fmt(dt: datetime) -> str:
	return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


# --- generation ---------------------------------------------------------------------------------


def fast_insert(table: str, fields: list[str], rows: list[list]) -> None:
	"""Multi-row INSERTs through the driver's executemany (it packs rows into statements of up to
	1 MB): several times faster than ``frappe.db.bulk_insert``, which renders every row with the
	query builder. Only for this generator's own trusted values."""
	import frappe

	if not rows:
		return
	columns = ", ".join(f"`{f}`" for f in fields)
	placeholders = ", ".join(["%s"] * len(fields))
	frappe.db._cursor.executemany(f"INSERT INTO `tab{table}` ({columns}) VALUES ({placeholders})", rows)


class County:
	"""The institutions, departments, staff and users the data is spread over (made once)."""

	def __init__(self):
		import frappe

		self.bureau = BUREAU
		self.institutions: list[str] = []  # reporting institutions
		self.weights: list[float] = []
		self.departments: dict[str, list[str]] = {}
		self.clinical: dict[str, list[str]] = {}
		self.staff: dict[str, list[tuple[str, str]]] = {}  # department -> [(staff, staff_name)]
		self.handler: dict[str, str] = {}  # department -> handler user
		self.agent: dict[str, str] = {}  # institution -> follow-up agent user
		self.leader: dict[str, str] = {}
		names = [h[0] for h in HOSPITALS] + [COMMUNITY[0]] + [f"{t}镇卫生院" for t in TOWNS]
		weights = [h[2] for h in HOSPITALS] + [COMMUNITY[1]] + [TOWNSHIP_SHARE / len(TOWNS)] * len(TOWNS)
		for name, weight in zip(names, weights, strict=True):
			self.institutions.append(name)
			self.weights.append(weight)
		self.largest = self.institutions[0]
		self.admin = f"admin@{DOMAIN}"
		self.officer = f"officer@{DOMAIN}"
		self.inst_leader = f"leader@{DOMAIN}"
		self.frappe = frappe

	# made with documents: few rows, and the hooks (tree, User Permissions) must run
	def ensure(self) -> float:
		import frappe

		from hsq_app import roles as R

		start = time.perf_counter()
		# about a hundred users in a minute: Frappe throttles that (a sign-up flood guard); not here
		frappe.local.conf.throttle_user_limit = 10_000
		if not frappe.db.exists("HSQ Institution", BUREAU):
			self._institution(BUREAU, "Bureau", "Ungraded", "")
		for i, name in enumerate(self.institutions):
			if i < len(HOSPITALS):
				kind, grade = "Hospital", HOSPITALS[i][1]
			elif name == COMMUNITY[0]:
				kind, grade = "Community Health Center", "Primary"
			else:
				kind, grade = "Township Health Center", "Primary"
			if not frappe.db.exists("HSQ Institution", name):
				self._institution(name, kind, grade, BUREAU)
			depts = HOSPITAL_DEPARTMENTS if kind == "Hospital" else PRIMARY_DEPARTMENTS
			for dept in depts:
				dname = f"{dept}-{name}"
				if not frappe.db.exists("HSQ Department", dname):
					frappe.get_doc(
						{"doctype": "HSQ Department", "department_name": dept, "institution": name}
					).insert()
			self.departments[name] = [f"{d}-{name}" for d in depts]
			self.clinical[name] = [f"{d}-{name}" for d in depts if d not in NON_CLINICAL]
		frappe.db.commit()
		self._user(self.admin, "局管理员", [R.BUREAU_ADMIN], BUREAU, None)
		self._user(self.officer, "投诉专员", [R.QUALITY_OFFICER], self.largest, None)
		self._user(self.inst_leader, "分管院长", [R.INSTITUTION_LEADER], self.largest, None)
		for i, name in enumerate(self.institutions):
			self.agent[name] = self._user(
				f"agent{i:02d}@{DOMAIN}", f"回访员{i:02d}", [R.FOLLOW_UP_AGENT], name, None
			)
			for j, dept in enumerate(self.clinical[name]):
				email = f"handler{i:02d}-{j:02d}@{DOMAIN}"
				self.handler[dept] = self._user(email, f"承办人{i:02d}{j:02d}", [R.HANDLER], name, dept)
			for dept in self.departments[name]:
				have = frappe.get_all(
					"HSQ Staff",
					filters={"department": dept, "user": ("is", "not set")},
					fields=["name", "staff_name"],
				)
				rng = random.Random(dept)
				for _n in range(STAFF_PER_DEPARTMENT - len(have)):
					doc = frappe.get_doc(
						{
							"doctype": "HSQ Staff",
							"staff_name": person(rng),
							"institution": name,
							"department": dept,
						}
					).insert()
					have.append(frappe._dict(name=doc.name, staff_name=doc.staff_name))
				self.staff[dept] = [(s.name, s.staff_name) for s in have]
			frappe.db.commit()
		return time.perf_counter() - start

	def _institution(self, name, kind, grade, parent):
		import frappe

		frappe.get_doc(
			{
				"doctype": "HSQ Institution",
				"institution_name": name,
				"institution_type": kind,
				"grade": grade,
				"parent_hsq_institution": parent,
				"is_group": 1,
			}
		).insert()

	def _user(self, email, first_name, roles, institution, department) -> str:
		import frappe

		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": first_name,
					"send_welcome_email": 0,
					"user_type": "System User",
					"roles": [{"role": r} for r in roles],
				}
			).insert(ignore_permissions=True)
		if not frappe.db.exists("HSQ Staff", {"user": email}):
			frappe.get_doc(
				{
					"doctype": "HSQ Staff",
					"staff_name": first_name,
					"institution": institution,
					"department": department,
					"user": email,
				}
			).insert()
		return email


class Timeline:
	"""Row k of n falls at a time that grows with k over [start, end): names follow receipt order."""

	def __init__(self, n: int, start: datetime, end: datetime):
		self.n, self.start, self.span = n, start, (end - start).total_seconds()

	def at(self, k: int, rng: random.Random) -> datetime:
		return self.start + timedelta(seconds=self.span * (k + rng.random() * 0.98) / self.n)

	def slot_start(self, k: int) -> datetime:
		return self.start + timedelta(seconds=self.span * k / self.n)

	def first_index_of_year(self, year: int) -> int:
		"""The first k whose slot starts in the year or later."""
		jan1 = datetime(year, 1, 1)
		k = max(0, int((jan1 - self.start).total_seconds() * self.n / self.span) - 1)
		while self.slot_start(k) < jan1:
			k += 1
		return k


class Series:
	"""Names as the naming series would give them (prefix + year + counter), in timeline order."""

	def __init__(self, prefix: str, digits: int, timeline: Timeline, per_row: int = 1):
		self.prefix, self.digits, self.timeline, self.per_row = prefix, digits, timeline, per_row
		self.firsts: dict[int, int] = {}
		self.last: dict[int, int] = {}

	def name(self, k: int, j: int = 0) -> str:
		"""The name of sub-row j of row k (the year is that of row k's slot on the timeline)."""
		year = self.timeline.slot_start(k).year
		if year not in self.firsts:
			self.firsts[year] = self.timeline.first_index_of_year(year) * self.per_row
		seq = k * self.per_row + j - self.firsts[year] + 1
		self.last[year] = max(self.last.get(year, 0), seq)
		return f"{self.prefix}-{year}-{seq:0{self.digits}d}"

	def save(self):
		"""Move the naming series past the generated names, so later documents do not collide."""
		import frappe

		for year, seq in self.last.items():
			frappe.db.sql(
				# raw SQL: an upsert that only moves the counter forwards
				"insert into `tabSeries` (name, current) values (%s, %s)"
				" on duplicate key update current = greatest(current, values(current))",
				(f"{self.prefix}-{year}-", seq),
			)


class Generator:
	def __init__(self, county: County, args, now: datetime):
		import frappe

		self.frappe = frappe
		self.c = county
		self.args = args
		self.now = now
		self.start = datetime.combine(_months(now.date(), -args.months), datetime.min.time())
		self.owner = "Administrator"
		self.template = frappe.db.get_value("HSQ Questionnaire Template", {"is_active": 1}) or None
		self.dimensions = (
			frappe.get_all(
				"HSQ Questionnaire Dimension",
				filters={"parent": self.template, "parenttype": "HSQ Questionnaire Template"},
				pluck="dimension",
				order_by="idx",
			)
			if self.template
			else []
		) or ["Medical Quality", "Nursing", "Doctor Communication", "Environment", "Fees"]
		self.sla_policy = frappe.db.get_single_value("HSQ Settings", "default_sla_policy") or None
		self.complaints = Timeline(args.complaints, self.start, now)
		self.complaint_names = Series("TS", 5, self.complaints)
		self.discharges = -(-args.follow_ups // len(STAGES))
		self.discharge_timeline = Timeline(self.discharges, self.start, now)
		self.dr_names = Series("DR", 6, self.discharge_timeline)
		self.fu_names = Series("FU", 7, self.discharge_timeline, per_row=len(STAGES))

	def std(self, name: str, created: datetime, modified: datetime | None = None, idx: int = 0) -> list:
		return [name, fmt(created), fmt(modified or created), self.owner, self.owner, 0, idx]

	def institution(self, rng) -> str:
		return rng.choices(self.c.institutions, weights=self.c.weights)[0]

	def complaint_name(self, k: int) -> str:
		"""The name row k got (its receipt year decides the series)."""
		return self.complaint_names.name(k)

	def run_chunks(
		self, label: str, total: int, size: int, last_name: Callable[[int], str], doctype: str, make
	):
		"""Write rows [0, total) in chunks; a chunk whose last row exists is already there."""
		frappe = self.frappe
		made = skipped = 0
		started = time.perf_counter()
		for lo in range(0, total, size):
			hi = min(total, lo + size)
			if frappe.db.exists(doctype, last_name(hi - 1)):
				skipped += hi - lo
				continue
			for table, fields, rows in make(lo, hi):
				if rows and len(rows[0]) != len(fields):
					raise SystemExit(f"{table}: {len(rows[0])} values for {len(fields)} fields")
				fast_insert(table, fields, rows)
			# commit per chunk: a million rows in one transaction would swell the undo log, and a
			# committed chunk is never written again when the run is resumed
			frappe.db.commit()
			made += hi - lo
			if (lo // size) % 10 == 0:
				rate = made / max(time.perf_counter() - started, 1e-9)
				print(f"  {label}: {hi:,}/{total:,} ({rate:,.0f} rows/s)", flush=True)
		return {"made": made, "skipped": skipped, "seconds": round(time.perf_counter() - started, 1)}

	# complaints ---------------------------------------------------------------------------------
	COMPLAINT_FIELDS = [
		*STANDARD,
		"naming_series",
		"channel",
		"external_ref",
		"intake_key",
		"received_at",
		"registered_by",
		"tracking_code",
		"is_anonymous",
		"complainant_name",
		"complainant_phone",
		"relation_to_patient",
		"patient_name",
		"institution",
		"department",
		"category",
		"severity",
		"is_complex",
		"handler",
		"description",
		"demands",
		"finding",
		"resolution",
		"reply_to_complainant",
		"complainant_feedback",
		"reopen_count",
		"submitted_by",
		"sla_policy",
		"sla_status",
		"escalation_level",
		"acknowledge_by",
		"first_contact_by",
		"resolve_by",
		"acknowledged_at",
		"first_contact_at",
		"resolved_at",
		"closed_at",
		"paused_hours",
		"extension_days",
		"workflow_state",
	]

	def complaint_rows(self, lo: int, hi: int):
		rows = []
		for k in range(lo, hi):
			rows.append(self.complaint(k))
		yield "HSQ Complaint", self.COMPLAINT_FIELDS, rows

	def complaint(self, k: int) -> list:
		rng = random.Random(self.args.seed * 1_000_003 + k)
		received = self.complaints.at(k, rng)
		name = self.complaint_names.name(k)
		age = (self.now - received).total_seconds() / 86400
		state = pick(rng, next(states for min_age, states in STATES_BY_AGE if age >= min_age))
		inst = self.institution(rng)
		channel = pick(rng, CHANNELS)
		category = pick(rng, CATEGORIES)
		severity = pick(rng, SEVERITIES)
		complex_ = rng.random() < 0.08
		anonymous = rng.random() < 0.08
		external = (
			f"BM{k:08d}" if channel in ("12345 Hotline", "Letters and Visits", "Bureau Referral") else None
		)
		department = handler = None
		if state not in ("Registered", "Not Accepted"):
			department = rng.choice(self.c.clinical[inst])
		elif rng.random() < 0.3:
			department = rng.choice(self.c.clinical[inst])
		if state in ACCEPTED_ON:
			handler = self.c.handler[department]
		acknowledge_by = received + timedelta(hours=8)
		first_contact_by = received + timedelta(days=1)
		resolve_by = received + timedelta(days=14 if complex_ else 7)
		acknowledged = first_contact = resolved = closed = None
		if state != "Registered":
			acknowledged = min(self.now, received + timedelta(hours=rng.expovariate(1 / 4)))
		if state in ACCEPTED_ON:
			first_contact = min(self.now, received + timedelta(hours=rng.uniform(2, 30)))
		finding = feedback = None
		if state in DONE_STATES:
			took = timedelta(days=rng.lognormvariate(1.4, 0.55) * (1.8 if complex_ else 1))
			resolved = min(received + took, self.now - timedelta(minutes=rng.uniform(1, 600)))
			resolved = max(resolved, received + timedelta(hours=1))
			if state == "Closed":
				closed = min(self.now, resolved + timedelta(days=rng.uniform(0.2, 4)))
				feedback = pick(rng, FEEDBACK)
		if state in WITH_FINDING:
			finding = pick(rng, FINDINGS)
		if state == "Not Accepted":
			sla_status = None
		elif resolved:
			sla_status = "Met" if resolved <= resolve_by else "Breached"
		elif self.now > resolve_by:
			sla_status = "Breached"
		elif rng.random() < 0.02:
			sla_status = "Paused"
		else:
			used = (self.now - received) / (resolve_by - received)
			sla_status = "Warning" if used >= 0.75 else "On Track"
		escalation = 0
		if sla_status == "Breached":
			escalation = pick(rng, {0: 15, 1: 50, 2: 25, 3: 10})
		elif rng.random() < 0.02:
			escalation = 1
		modified = closed or resolved or first_contact or acknowledged or received
		identity = (None, None, None) if anonymous else (person(rng), phone(rng), person(rng))
		return [
			*self.std(name, received, modified),
			"TS-.YYYY.-",
			channel,
			external,
			f"{channel}:{external}" if external else None,
			fmt(received),
			self.owner,
			unique_code(k, 17),
			int(anonymous),
			identity[0],
			identity[1],
			None if anonymous else rng.choice(["Self", "Family", "Other"]),
			identity[2],
			inst,
			department,
			category,
			severity,
			int(complex_),
			handler,
			DESCRIPTIONS[category],
			"要求说明情况并道歉" if rng.random() < 0.6 else None,
			finding,
			"经调查核实，已按规定处理" if finding else None,
			"已电话告知投诉人处理结果" if finding else None,
			feedback,
			1 if finding and rng.random() < 0.03 else 0,
			handler if finding else None,
			self.sla_policy,
			sla_status,
			escalation,
			fmt(acknowledge_by),
			fmt(first_contact_by),
			fmt(resolve_by),
			acknowledged and fmt(acknowledged),
			first_contact and fmt(first_contact),
			resolved and fmt(resolved),
			closed and fmt(closed),
			0,
			0,
			state,
		]

	# discharges, follow-ups, scores -------------------------------------------------------------
	DR_FIELDS = [
		*STANDARD,
		"patient_name",
		"medical_record_no",
		"patient_phone",
		"is_special",
		"institution",
		"department",
		"attending_staff",
		"admission_date",
		"discharge_date",
		"diagnosis",
	]
	FU_FIELDS = [
		*STANDARD,
		"discharge_record",
		"patient_name",
		"patient_phone",
		"is_special",
		"institution",
		"department",
		"discharge_date",
		"stage_days",
		"due_date",
		"assigned_to",
		"status",
		"channel",
		"attempts",
		"completed_at",
		"questionnaire_template",
		"overall_satisfaction",
		"notes",
		"issue_found",
		"complaint",
	]
	SCORE_FIELDS = [*STANDARD, *CHILD, "dimension", "score"]

	def dr_name(self, k: int) -> str:
		return self.dr_names.name(k)

	def follow_up_rows(self, lo: int, hi: int):
		records, follow_ups, scores = [], [], []
		today = self.now.date()
		for k in range(lo, hi):
			rng = random.Random(self.args.seed * 7_000_003 + k)
			discharged = self.discharge_timeline.at(k, rng)
			name = self.dr_names.name(k)
			inst = self.institution(rng)
			dept = rng.choice(self.c.clinical[inst])
			staff = rng.choice(self.c.staff[dept])[0] if self.c.staff.get(dept) else None
			patient, mobile = person(rng), phone(rng)
			special = int(rng.random() < 0.05)
			imported = min(
				self.now,
				datetime.combine(discharged.date() + timedelta(days=1), datetime.min.time())
				+ timedelta(hours=rng.uniform(8, 11)),
			)
			records.append(
				[
					*self.std(name, imported),
					patient,
					f"ZY{k:09d}",
					mobile,
					special,
					inst,
					dept,
					staff,
					(discharged - timedelta(days=rng.randint(2, 14))).date(),
					discharged.date(),
					None,
				]
			)
			for j, stage in enumerate(STAGES):
				index = k * len(STAGES) + j
				if index >= self.args.follow_ups:
					break
				fu_name = self.fu_names.name(k, j)
				due = discharged.date() + timedelta(days=stage)
				if due > today:
					status = "Pending"
				elif due >= today - timedelta(days=2):
					status = pick(rng, FU_STATUS_RECENT)
				else:
					status = pick(rng, FU_STATUS_PAST)
				completed_at = None
				overall = 0
				issue = complaint = None
				if status == "Completed":
					completed_at = min(
						self.now,
						datetime.combine(due, datetime.min.time())
						+ timedelta(days=rng.choice([0, 0, 0, 1, 2]), hours=rng.uniform(8.5, 17.5)),
					)
					overall = pick(rng, SATISFACTION)
					if rng.random() < 0.03:
						issue = "患者反映出院带药说明不清"
						if rng.random() < 0.3:
							complaint = self.complaint_name(rng.randrange(self.args.complaints))
				if status in ("Completed", "Unreachable", "Refused"):
					# a follow-up saved in the form gets a row per questionnaire dimension (0: not answered)
					saved = completed_at or min(
						self.now,
						datetime.combine(due, datetime.min.time()) + timedelta(hours=rng.uniform(8.5, 17.5)),
					)
					for d, dimension in enumerate(self.dimensions):
						if status != "Completed" or rng.random() < 0.03:
							score = 0
						else:
							score = max(1, min(5, overall + rng.choice([-1, 0, 0, 0, 1])))
						scores.append(
							[
								unique_code(index * 8 + d, 5).lower(),
								fmt(imported),
								fmt(saved),
								self.owner,
								self.owner,
								0,
								d + 1,
								fu_name,
								"scores",
								"HSQ Follow Up",
								dimension,
								score,
							]
						)
				modified = completed_at or (
					datetime.combine(due, datetime.min.time()) + timedelta(hours=18)
					if status != "Pending"
					else imported
				)
				follow_ups.append(
					[
						*self.std(fu_name, imported, min(self.now, modified)),
						name,
						patient,
						mobile,
						special,
						inst,
						dept,
						discharged.date(),
						stage,
						due,
						self.c.agent[inst],
						status,
						pick(rng, FU_CHANNELS),
						0 if status == "Pending" else rng.randint(1, 3),
						completed_at and fmt(completed_at),
						self.template,
						overall,
						None,
						issue,
						complaint,
					]
				)
		yield "HSQ Discharge Record", self.DR_FIELDS, records
		yield "HSQ Follow Up", self.FU_FIELDS, follow_ups
		yield "HSQ Follow Up Score", self.SCORE_FIELDS, scores

	# rectification tasks and accountability records ---------------------------------------------
	TASK_FIELDS = [
		*STANDARD,
		"naming_series",
		"source_type",
		"source_name",
		"raised_by_institution",
		"institution",
		"responsible_department",
		"category",
		"responsible_leader",
		"deadline",
		"problem",
		"root_cause",
		"evidence_count",
		"evaluation_days",
		"complaints_before",
		"complaints_after",
		"effect_result",
		"pdca_stage",
		"is_overdue",
		"submitted_by",
		"submitted_at",
		"verified_by",
		"verified_at",
		"workflow_state",
	]
	MEASURE_FIELDS = [*STANDARD, *CHILD, "measure", "measure_owner", "due_date", "done", "done_at"]

	def task_rows(self, lo: int, hi: int):
		tasks, measures = [], []
		timeline = Timeline(self.args.tasks, self.start, self.now)
		series = self.task_series
		for k in range(lo, hi):
			rng = random.Random(self.args.seed * 11_000_003 + k)
			created = timeline.at(k, rng)
			name = series.name(k)
			inst = self.institution(rng)
			dept = rng.choice(self.c.clinical[inst])
			source = pick(rng, TASK_SOURCES)
			state = (
				pick(rng, TASK_STATES)
				if (self.now - created).days > 30
				else pick(rng, {"Open": 40, "In Progress": 50, "Pending Verification": 10})
			)
			deadline = (created + timedelta(days=rng.choice([30, 45, 60, 90]))).date()
			closed = state == "Closed"
			verified_at = min(self.now, created + timedelta(days=rng.uniform(20, 100))) if closed else None
			submitted_at = (
				verified_at - timedelta(days=rng.uniform(1, 7))
				if closed
				else (
					min(self.now, created + timedelta(days=rng.uniform(10, 30)))
					if state == "Pending Verification"
					else None
				)
			)
			raised = int(rng.random() < 0.4)
			leader = self.c.inst_leader if inst == self.c.largest else None
			tasks.append(
				[
					*self.std(name, created, verified_at or submitted_at or created),
					"ZG-.YYYY.-",
					source,
					self.complaint_name(rng.randrange(self.args.complaints))
					if source == "Complaint"
					else f"来源{k:05d}",
					raised,
					inst,
					dept,
					pick(rng, CATEGORIES),
					leader,
					deadline,
					"同类投诉反复发生，需系统整改",
					"制度执行不到位，培训不足",
					rng.randint(0, 3) if state != "Open" else 0,
					30,
					rng.randint(2, 12) if closed else 0,
					rng.randint(0, 8) if closed else 0,
					pick(rng, EFFECTS) if closed else None,
					PDCA_BY_STATE[state],
					int(not closed and deadline < self.now.date()),
					self.c.officer if submitted_at else None,
					submitted_at and fmt(submitted_at),
					(self.c.inst_leader if raised else self.c.admin) if closed else None,
					verified_at and fmt(verified_at),
					state,
				]
			)
			for m in range(rng.randint(1, 3)):
				done = closed or (state != "Open" and rng.random() < 0.5)
				measures.append(
					[
						unique_code(k * 4 + m, 9).lower(),
						fmt(created),
						fmt(created),
						self.owner,
						self.owner,
						0,
						m + 1,
						name,
						"measures",
						"HSQ Rectification Task",
						["开展全员服务礼仪培训", "优化预约挂号流程", "完善收费公示制度"][m],
						None,
						deadline,
						int(done),
						fmt(min(self.now, created + timedelta(days=10 + m * 5))) if done else None,
					]
				)
		yield "HSQ Rectification Task", self.TASK_FIELDS, tasks
		yield "HSQ Rectification Measure", self.MEASURE_FIELDS, measures

	ACCOUNTABILITY_FIELDS = [
		*STANDARD,
		"naming_series",
		"subject_type",
		"staff",
		"staff_name",
		"institution",
		"year",
		"rule",
		"category",
		"threshold",
		"count",
		"action",
		"status",
		"needs_review",
		"auto_dismissed",
		"decided_by",
		"decided_at",
		"dismiss_reason",
		"dedupe_key",
	]

	def accountability_rows(self, lo: int, hi: int):
		rows = []
		timeline = Timeline(self.args.accountability, self.start, self.now)
		for k in range(lo, hi):
			rng = random.Random(self.args.seed * 13_000_003 + k)
			created = timeline.at(k, rng)
			name = self.accountability_series.name(k)
			inst = self.institution(rng)
			subject = "Staff" if rng.random() < 0.85 else "Institution"
			rule = rng.choice(self.rules[subject])
			staff = staff_name = None
			if subject == "Staff":
				staff, staff_name = rng.choice(self.c.staff[rng.choice(self.c.clinical[inst])])
			status = pick(rng, ACCOUNTABILITY_STATES)
			decided_at = (
				min(self.now, created + timedelta(days=rng.uniform(1, 20))) if status != "Proposed" else None
			)
			rows.append(
				[
					*self.std(name, created, decided_at or created),
					"WZ-.YYYY.-",
					subject,
					staff,
					staff_name,
					inst,
					created.year,
					rule.name,
					rule.category,
					rule.threshold,
					rule.threshold + rng.choice([0, 0, 0, 1]),
					rule.action,
					status,
					int(rng.random() < 0.05),
					0,
					self.c.admin if decided_at else None,
					decided_at and fmt(decided_at),
					"核实后不属于个人责任" if status == "Dismissed" else None,
					f"bench:{k}",
				]
			)
		yield "HSQ Accountability Record", self.ACCOUNTABILITY_FIELDS, rows

	def check_fields(self):
		"""Fail early if a column the generator writes is not on the DocType (schema drift)."""
		frappe = self.frappe
		for doctype, fields in (
			("HSQ Complaint", self.COMPLAINT_FIELDS),
			("HSQ Discharge Record", self.DR_FIELDS),
			("HSQ Follow Up", self.FU_FIELDS),
			("HSQ Follow Up Score", self.SCORE_FIELDS),
			("HSQ Rectification Task", self.TASK_FIELDS),
			("HSQ Rectification Measure", self.MEASURE_FIELDS),
			("HSQ Accountability Record", self.ACCOUNTABILITY_FIELDS),
		):
			columns = set(frappe.db.get_table_columns(doctype))
			missing = [f for f in fields if f not in columns]
			if missing:
				raise SystemExit(f"{doctype}: no column(s) {missing}; update benchmarks/reports.py")

	def generate(self) -> dict:
		frappe = self.frappe
		self.check_fields()
		a = self.args
		out = {}
		print(f"complaints ({a.complaints:,}):", flush=True)
		out["complaints"] = self.run_chunks(
			"complaints", a.complaints, 10_000, self.complaint_name, "HSQ Complaint", self.complaint_rows
		)
		print(f"discharge records ({self.discharges:,}) and follow-ups ({a.follow_ups:,}):", flush=True)
		out["follow_ups"] = self.run_chunks(
			"discharges", self.discharges, 5_000, self.dr_name, "HSQ Discharge Record", self.follow_up_rows
		)
		self.task_series = Series("ZG", 5, Timeline(a.tasks, self.start, self.now))
		out["rectification_tasks"] = self.run_chunks(
			"rectification tasks",
			a.tasks,
			5_000,
			self.task_series.name,
			"HSQ Rectification Task",
			self.task_rows,
		)
		self.rules = {
			s: frappe.get_all(
				"HSQ Accountability Rule",
				filters={"subject_type": s},
				fields=["name", "category", "threshold", "action"],
			)
			for s in ("Staff", "Institution")
		}
		self.accountability_series = Series("WZ", 5, Timeline(a.accountability, self.start, self.now))
		out["accountability_records"] = self.run_chunks(
			"accountability records",
			a.accountability,
			5_000,
			self.accountability_series.name,
			"HSQ Accountability Record",
			self.accountability_rows,
		)
		for series in (
			self.complaint_names,
			self.dr_names,
			self.fu_names,
			self.task_series,
			self.accountability_series,
		):
			series.save()
		frappe.db.commit()
		return out


# --- timing -------------------------------------------------------------------------------------


def run_report(name: str, filters: dict, user: str) -> tuple[float, int]:
	import frappe
	from frappe.desk.query_report import run

	frappe.set_user(user)
	frappe.local.hsq_active_staff = {}  # a fresh request: the per-request staff cache is empty
	started = time.perf_counter()
	result = run(name, filters=json.dumps(filters), ignore_prepared_report=True)
	elapsed = time.perf_counter() - started
	frappe.set_user("Administrator")
	return elapsed, len(result.get("result") or [])


def report_users(county: County, report: str) -> list[tuple[str, str]]:
	"""(label, user) pairs: the bureau admin, and the largest hospital's quality officer (or its
	leader where quality officers may not open the report)."""
	import frappe

	from hsq_app import roles as R

	roles = set(frappe.get_all("Has Role", filters={"parent": report, "parenttype": "Report"}, pluck="role"))
	institution_user = ("quality officer", county.officer)
	if roles and R.QUALITY_OFFICER not in roles:
		institution_user = ("institution leader", county.inst_leader)
	return [("bureau admin", county.admin), institution_user]


def time_reports(
	county: County, repeat: int, today: date, only: list[str] | None, goal: float = GOAL_SECONDS
) -> list[dict]:
	import frappe

	results = []
	for case in REPORTS:
		if only and case.report not in only:
			continue
		if not frappe.db.exists("Report", case.report):
			print(f"{case.report}: not on this site, skipped", flush=True)
			results.append({"report": case.report, "skipped": "not on this site"})
			continue
		variants = [("default", case.default(today))]
		if case.year:
			variants.append(("1 year", case.year(today)))
		for label, user in report_users(county, case.report):
			for variant, filters in variants:
				filters = _iso(filters)
				runs, rows = [], 0
				for _n in range(repeat):
					seconds, rows = run_report(case.report, filters, user)
					runs.append(round(seconds, 3))
				median = statistics.median(runs)
				line = {
					"report": case.report,
					"as": label,
					"filters": variant,
					"filter_values": filters,
					"rows": rows,
					"runs": runs,
					"median": round(median, 3),
					"under_goal": median < goal,
				}
				results.append(line)
				print(
					f"{case.report:<24} {label:<18} {variant:<8} {rows:>8,} rows  "
					f"median {median:6.2f} s  {'ok' if median < goal else f'OVER {goal:g} s'}  {runs}",
					flush=True,
				)
	return results


def time_widgets(county: County, repeat: int) -> list[dict]:
	"""The workspaces' charts and number cards as the desk fetches them (a chart of type Report runs
	its report), as the bureau admin and the largest hospital's quality officer; median of repeat."""
	import frappe
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as chart_data
	from frappe.desk.doctype.number_card.number_card import get_result
	from frappe.desk.query_report import run

	modules = ["Complaints", "Follow Up", "Rectification", "HSQ Setup"]
	charts = frappe.get_all(
		"Dashboard Chart", filters={"module": ("in", modules)}, pluck="name", order_by="name"
	)
	cards = frappe.get_all(
		"Number Card",
		filters={"module": ("in", modules), "type": "Document Type"},
		pluck="name",
		order_by="name",
	)
	results = []
	for label, user in (("bureau admin", county.admin), ("quality officer", county.officer)):
		for kind, names in (("chart", charts), ("number card", cards)):
			for name in names:
				doc = frappe.get_doc("Dashboard Chart" if kind == "chart" else "Number Card", name)
				frappe.set_user(user)
				frappe.local.hsq_active_staff = {}
				runs = []
				try:
					for _n in range(repeat):
						started = time.perf_counter()
						if kind == "number card":
							get_result(doc.as_dict(), doc.filters_json or "[]")
						elif doc.chart_type == "Report":
							run(
								doc.report_name, filters=doc.filters_json or "{}", ignore_prepared_report=True
							)
						else:
							chart_data(chart_name=name, refresh=1)
						runs.append(round(time.perf_counter() - started, 3))
				except frappe.PermissionError:
					runs = None  # not on this user's desk
				frappe.db.rollback()
				frappe.set_user("Administrator")
				if runs is None:
					continue
				median = statistics.median(runs)
				results.append(
					{"widget": name, "kind": kind, "as": label, "runs": runs, "median": round(median, 3)}
				)
				print(f"{kind:<12} {name:<36} {label:<16} median {median:5.2f} s  {runs}", flush=True)
	return results


def table(results: list[dict]) -> str:
	lines = [
		"| report | as | filters | rows | median (s) | runs (s) | under the goal |",
		"|---|---|---|---|---|---|---|",
	]
	for r in results:
		if r.get("skipped"):
			lines.append(f"| {r['report']} | — | — | — | — | {r['skipped']} | — |")
			continue
		runs = ", ".join(f"{s:.2f}" for s in r["runs"])
		lines.append(
			f"| {r['report']} | {r['as']} | {r['filters']} | {r['rows']:,} | {r['median']:.2f} | {runs} |"
			f" {'yes' if r['under_goal'] else '**no**'} |"
		)
	return "\n".join(lines)


def made_any(figures: dict) -> bool:
	return any(part.get("made") for part in figures.get("generation", {}).values())


def ensure_stats(force: bool) -> dict:
	"""The per-day follow-up cells (hsq_app.follow_up.stats): rebuilt from scratch after rows were
	written behind the app's back (the generator's bulk INSERTs), or when there are none yet."""
	import frappe

	from hsq_app.follow_up import stats

	out = {"rebuilt": False}
	if force or not frappe.db.count(stats.DAY_STAT):
		print("rebuilding the per-day follow-up figures", flush=True)
		started = time.perf_counter()
		result = stats.rebuild(progress=lambda i, n, inst: print(f"  {i}/{n} {inst}", flush=True))
		frappe.db.commit()
		out = {"rebuilt": True, "seconds": round(time.perf_counter() - started, 1), **result}
	try:  # the per-day complaint cells (issue 14); absent from older code timed with --no-generate
		from hsq_app.complaints import stats as complaint_stats
	except ImportError:
		return out
	if not frappe.db.table_exists(complaint_stats.DAY_STAT):
		return out
	month = getattr(complaint_stats, "MONTH_STAT", None)
	empty = not frappe.db.count(complaint_stats.DAY_STAT) or (
		month and frappe.db.table_exists(month) and not frappe.db.count(month)
	)
	if force or empty:
		print("rebuilding the per-day complaint cells", flush=True)
		started = time.perf_counter()
		result = complaint_stats.rebuild(progress=lambda i, n, inst: print(f"  {i}/{n} {inst}", flush=True))
		frappe.db.commit()
		out["complaint_cells"] = {"seconds": round(time.perf_counter() - started, 1), **result}
	return out


def time_cell_refresh(county: County, samples: int = 50) -> dict:
	"""What keeping the cells costs a save: recomputing the cells of one follow-up (its due day and
	day of completion at the largest hospital), as HSQFollowUp.on_update does; rolled back."""
	import frappe

	from hsq_app.follow_up import stats

	names = frappe.get_all(
		"HSQ Follow Up",
		filters={"institution": county.largest, "status": "Completed"},
		pluck="name",
		order_by="due_date desc",
		limit=samples,
	)
	runs = []
	for name in names:
		doc = frappe.get_doc("HSQ Follow Up", name)
		started = time.perf_counter()
		stats.follow_up_changed(doc)
		runs.append((time.perf_counter() - started) * 1000)
	frappe.db.rollback()
	result = {"samples": len(runs), "median_ms": round(statistics.median(runs), 1) if runs else None}
	print(f"cells of one follow-up recomputed: median {result['median_ms']} ms over {len(runs)}", flush=True)
	return result


def counts() -> dict:
	import frappe

	return {
		dt: frappe.db.count(dt)
		for dt in (
			"HSQ Institution",
			"HSQ Department",
			"HSQ Staff",
			"HSQ Complaint",
			"HSQ Discharge Record",
			"HSQ Follow Up",
			"HSQ Follow Up Score",
			"HSQ Rectification Task",
			"HSQ Rectification Measure",
			"HSQ Accountability Record",
			"HSQ Follow Up Day Stat",
			"HSQ Satisfaction Day Stat",
		)
	}


def parse_args():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default=".")
	parser.add_argument("--complaints", type=int, default=1_000_000)
	parser.add_argument("--follow-ups", type=int, default=1_000_000)
	parser.add_argument("--tasks", type=int, default=10_000)
	parser.add_argument("--accountability", type=int, default=3_000)
	parser.add_argument("--months", type=int, default=24)
	parser.add_argument("--seed", type=int, default=2026)
	parser.add_argument("--repeat", type=int, default=3)
	parser.add_argument("--goal", type=float, default=GOAL_SECONDS, help="seconds a case must stay under")
	parser.add_argument("--report", action="append", help="time only this report (repeatable)")
	parser.add_argument("--no-generate", action="store_true", help="time the reports on the data as it is")
	parser.add_argument("--generate-only", action="store_true")
	parser.add_argument(
		"--rebuild-stats", action="store_true", help="rebuild (and time) the per-day follow-up figures"
	)
	parser.add_argument("--out", default="reports_benchmark.json", help="where to write the JSON figures")
	return parser.parse_args()


def main():
	args = parse_args()
	import frappe

	frappe.init(site=args.site, sites_path=args.sites_path)
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.flags.mute_emails = True
	now = frappe.utils.now_datetime().replace(microsecond=0)
	# the data ends at the moment of the first generation, kept on the site: names are derived from
	# the timeline, so a later run (resuming or re-timing) must see the same one
	anchor = frappe.db.get_default(ANCHOR_KEY)
	if not anchor:
		frappe.db.set_default(ANCHOR_KEY, str(now))
		frappe.db.commit()
		anchor = str(now)
	anchor = frappe.utils.get_datetime(anchor)
	county = County()
	figures: dict = {"site": args.site, "at": str(now), "data_until": str(anchor)}
	try:
		started = time.perf_counter()
		figures["county_seconds"] = round(county.ensure(), 1)
		if not args.no_generate:
			print("generating (chunks already present are skipped)", flush=True)
			figures["generation"] = Generator(county, args, anchor).generate()
			figures["generation_seconds"] = round(time.perf_counter() - started, 1)
		figures["stats"] = ensure_stats(force=args.rebuild_stats or made_any(figures))
		figures["counts"] = counts()
		print(json.dumps(figures["counts"], ensure_ascii=False), flush=True)
		if not args.generate_only:
			figures["follow_up_save_refresh"] = time_cell_refresh(county)
			figures["environment"] = {
				"load_average": os.getloadavg(),
				"innodb_buffer_pool_mb": int(frappe.db.sql("select @@innodb_buffer_pool_size")[0][0])
				// 2**20,
				"mariadb": frappe.db.sql("select version()")[0][0],
			}
			figures["results"] = time_reports(county, args.repeat, now.date(), args.report, args.goal)
			if not args.report:
				figures["widgets"] = time_widgets(county, args.repeat)
			print()
			print(table(figures["results"]))
			over = [r for r in figures["results"] if not r.get("skipped") and not r["under_goal"]]
			print(f"\n{len(over)} case(s) over {args.goal:g} s" if over else f"\nall under {args.goal:g} s")
		with open(args.out, "w") as f:
			json.dump(figures, f, ensure_ascii=False, indent=1, default=str)
		print(f"figures written to {args.out}")
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()

"""Data for the survey benchmark's reports (benchmarks/survey.py): millions of answers written
with hsq_app.utils.bulk.insert_rows, their per-day cells counted while they are generated, and two
years of theme cells."""

from __future__ import annotations

import time

TAG = "BMSV"

SCORES = (5, 5, 5, 4, 4, 4, 3, 5, 2, 1)
KINDS = ("Outpatient", "Inpatient", "Staff")
ANSWER_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"kind",
	"source",
	"institution",
	"department",
	"overall_score",
	"submitted_at",
	"template_version",
)
CELL_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"day",
	"kind",
	"institution",
	"department",
	"responses",
	"score_sum",
	"satisfied",
	"low",
)


def bulk_answers(n: int, world) -> tuple[float, float, int]:
	"""n answers over two years written with hsq_app.utils.bulk.insert_rows (sequential names, no
	child rows: the reports read only the answers' own fields), their per-day cells counted while
	they are made and written once at the end (the same cells stats.rebuild() computes, checked on
	the last week by the caller). Returns (seconds for the answers, seconds for the cells, cells)."""
	import datetime as dt

	import frappe

	from hsq_app.survey import stats
	from hsq_app.utils.bulk import insert_rows

	depts = [(inst, d) for inst, ds in world for d in ds]
	low = stats.low_threshold()
	now = frappe.utils.now_datetime().replace(microsecond=0)
	midnight = dt.datetime.combine(now.date(), dt.time())
	cells: dict[tuple, list[int]] = {}
	frappe.db.commit()  # a fresh snapshot: the submissions' answers were committed by gunicorn since
	# the cells of the answers already there (the submissions'), from scratch; these are added after
	frappe.db.sql("DELETE FROM `tabHSQ Survey Day Stat`")
	frappe.db.sql("DELETE FROM `tabHSQ Survey Month Stat`")
	stats.rebuild()
	frappe.db.commit()
	t = time.perf_counter()
	chunk, commit_every = 5_000, 200_000

	def rows(lo, hi):
		for seq in range(lo, hi):
			kind = KINDS[seq % 3]
			inst, dept = depts[(seq // 3) % len(depts)]
			if kind == "Staff":
				dept = None
			score = SCORES[(seq * 7) % 10]
			day_back = (seq // (3 * len(depts))) % 730
			at = now - dt.timedelta(days=day_back, seconds=seq % 36_000)
			if kind == "Staff":
				at = midnight - dt.timedelta(days=day_back)  # staff answers keep the day only
			cell = cells.setdefault((at.date(), kind, inst, dept), [0, 0, 0, 0])
			cell[0] += 1
			cell[1] += score
			cell[2] += score >= stats.SATISFIED_FROM
			cell[3] += score <= low
			yield (f"{TAG}{seq:010d}", now, now, "Guest", "Guest", kind, "QR", inst, dept, score, at, 1)

	for lo in range(0, n, commit_every):
		insert_rows(
			"HSQ Survey Response", ANSWER_FIELDS, rows(lo, min(n, lo + commit_every)), chunk_size=chunk
		)
		frappe.db.commit()  # chunked bulk load
	answers_s = time.perf_counter() - t
	t = time.perf_counter()
	add_cells(cells, now, chunk)
	return answers_s, time.perf_counter() - t, len(cells)


def add_cells(cells: dict, now, chunk: int) -> None:
	"""The counted cells added onto those of the answers already there (one upsert per chunk)."""
	import hashlib

	import frappe

	fields = ", ".join(CELL_FIELDS)
	row = "(" + ", ".join(["%s"] * len(CELL_FIELDS)) + ")"
	items = list(cells.items())
	for lo in range(0, len(items), chunk):
		values = []
		for (day, kind, inst, dept), (n_, s_, sat, lo_) in items[lo : lo + chunk]:
			key = hashlib.md5("|".join([str(day), kind, inst, dept or ""]).encode()).hexdigest()
			values += [
				key,
				now,
				now,
				"Administrator",
				"Administrator",
				day,
				kind,
				inst,
				dept,
				n_,
				s_,
				sat,
				lo_,
			]
		# raw SQL: added onto the cells of answers already there (an upsert has no qb form)
		frappe.db.sql(
			f"""INSERT INTO `tabHSQ Survey Day Stat` ({fields}) VALUES {", ".join([row] * (len(values) // len(CELL_FIELDS)))}
			ON DUPLICATE KEY UPDATE responses = responses + VALUES(responses),
				score_sum = score_sum + VALUES(score_sum), satisfied = satisfied + VALUES(satisfied),
				low = low + VALUES(low)""",
			tuple(values),
		)
	frappe.db.commit()


def check_cells(days: int = 7) -> bool:
	"""The written cells of the last days equal a rebuild from the answers (stats.rebuild)."""
	import frappe
	from frappe.utils import add_days, today

	from hsq_app.survey import stats

	query = """SELECT day, kind, institution, IFNULL(department, ''), responses, score_sum, satisfied, low
		FROM `tabHSQ Survey Day Stat` WHERE day >= %s ORDER BY 1, 2, 3, 4"""
	start = add_days(today(), -days)
	written = frappe.db.sql(query, start)
	stats.rebuild(start, today())
	rebuilt = frappe.db.sql(query, start)
	frappe.db.commit()
	return written == rebuilt


def bulk_theme_cells(world) -> int:
	import frappe
	from frappe.utils import add_months, get_first_day, today

	frappe.db.sql(
		f"DELETE FROM `tabHSQ Theme Month Stat` WHERE name LIKE '{TAG}%%'"
	)  # an earlier --keep run's
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
	from hsq_app.survey.doctype.hsq_theme_month_stat.hsq_theme_month_stat import REPORT_SUMS
	from hsq_app.utils.bulk import insert_rows

	insert_rows(
		"HSQ Theme Month Stat",
		("name", "creation", "modified", "owner", "modified_by", *REPORT_SUMS, "examples"),
		rows,
		chunk_size=5_000,
	)
	frappe.db.commit()
	return len(rows)

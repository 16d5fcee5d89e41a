"""Follow-up defaults (hook hsq_install_defaults) and demo records (hook hsq_demo_data)."""

from __future__ import annotations

import random
from datetime import timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime, today

from hsq_app.utils.records import ensure

DEFAULT_TEMPLATE = "出院患者回访标准问卷"
DEFAULT_DIMENSIONS = {
	"Medical Quality": "您对医生的诊疗效果满意吗？",
	"Nursing": "您对护理服务满意吗？",
	"Doctor Communication": "医生是否向您解释清楚病情和治疗方案？",
	"Environment": "您对病房和医院环境满意吗？",
	"Fees": "您对医疗收费是否清楚、满意？",
	"Discharge Guidance": "出院时是否告知用药、复诊和康复注意事项？",
}


def ensure_defaults():
	"""The county-wide questionnaire, created once; later edits in the desk are kept."""
	ensure(
		"HSQ Questionnaire Template",
		DEFAULT_TEMPLATE,
		{
			"template_name": DEFAULT_TEMPLATE,
			"is_active": 1,
			"description": "出院患者回访标准问卷（全县通用）",
			"dimensions": [{"dimension": d, "question": q} for d, q in DEFAULT_DIMENSIONS.items()],
		},
	)


def make_demo():
	"""Two months of discharges per demo institution, with calls made, for the start command's site."""
	from hsq_app.follow_up.imports.storage import import_records

	rng = random.Random(2026)
	surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
	given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
	institutions = frappe.get_all(
		"HSQ Institution", filters={"institution_type": ("!=", "Bureau")}, pluck="name", order_by="name"
	)
	records = []
	end = getdate(today())
	for institution in institutions:
		departments = frappe.get_all(
			"HSQ Department",
			filters={"institution": institution, "department_name": ("not in", ["收费处", "门诊部"])},
			pluck="name",
		)
		if not departments:
			continue
		for i in range(40):
			discharge = end - timedelta(days=rng.randint(0, 60))
			records.append(
				{
					"patient_name": rng.choice(surnames) + rng.choice(given) + rng.choice(["", *given]),
					"medical_record_no": f"ZY{discharge:%Y%m}{i:04d}",
					"patient_phone": f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
					"institution": institution,
					"department": rng.choice(departments),
					"discharge_date": str(discharge),
					"is_special": int(rng.random() < 0.1),
				}
			)
	import_records(records)
	# some calls made: past follow-ups completed with scores
	due = frappe.get_all(
		"HSQ Follow Up",
		filters={"due_date": ("<", today()), "status": ("in", ["Pending", "Overdue"])},
		pluck="name",
	)
	for name in due[: len(due) * 2 // 3]:
		doc = frappe.get_doc("HSQ Follow Up", name)
		doc.prefill_scores()
		for row in doc.scores:
			row.score = rng.choice([3, 4, 4, 5, 5, 5])
		doc.overall_satisfaction = rng.choice([3, 4, 5, 5])
		doc.status = rng.choice(["Completed"] * 8 + ["Unreachable", "Refused"])
		doc.attempts = 1
		doc.completed_at = min(now_datetime(), frappe.utils.get_datetime(add_days(doc.due_date, 1)))
		if rng.random() < 0.05:
			doc.issue_found = "出院带药说明不清楚"
		doc.save(ignore_permissions=True)
	# last month's reports drafted, as the job on the 1st would have done
	from hsq_app.follow_up.monthly_report import draft_monthly_reports

	draft_monthly_reports()

"""Demo inspections and recognition for the start command's site (registered under ``hsq_demo_data``).

城关镇卫生院: a submitted visit whose hotline posters (3 of at least 5) failed and proposed a
rectification task, plus a draft visit planned for 石桥镇卫生院. 演示县人民医院: two compliments (a
锦旗 and a letter) for its staff. Runs once: nothing is added when an inspection exists.
"""

import frappe
from frappe.utils import add_days, now_datetime, today

from hsq_app.inspection import visits
from hsq_app.inspection.checklist import DEFAULT_TEMPLATE

TOWNSHIP, TOWNSHIP_2, HOSPITAL = "城关镇卫生院", "石桥镇卫生院", "演示县人民医院"
INSPECTOR = "inspector@wjj.hsq.local"


def make_demo():
	if frappe.db.count("HSQ Inspection") or not frappe.db.exists("HSQ Institution", TOWNSHIP):
		return
	user = frappe.session.user
	try:
		frappe.set_user(INSPECTOR)
		doc = frappe.get_doc(
			{
				"doctype": "HSQ Inspection",
				"institution": TOWNSHIP,
				"template": DEFAULT_TEMPLATE,
				"visit_date": add_days(today(), -7),
				"team": "卫健局医政股 王督查、李督查",
			}
		).insert()
		for row in doc.items:
			if row.check_type == "Count":
				row.count, row.note = 3, "仅门诊大厅、收费处、药房3处张贴"
			elif row.check_type == "Score":
				row.score = row.max_score - 1
			else:
				row.result = "Pass"
		doc.save()
		visits.submit(doc)
		if frappe.db.exists("HSQ Institution", TOWNSHIP_2):
			frappe.get_doc(
				{
					"doctype": "HSQ Inspection",
					"institution": TOWNSHIP_2,
					"template": DEFAULT_TEMPLATE,
					"visit_date": today(),
				}
			).insert()
		frappe.set_user("officer@rmyy.hsq.local")
		staff = frappe.get_all(
			"HSQ Staff",
			filters={"institution": HOSPITAL, "status": "Active"},
			fields=["name", "department"],
			limit=2,
		)
		for i, (channel, text) in enumerate(
			(
				("Silk Banner", "患者家属送来锦旗“医德高尚 护理精心”"),
				("Letter", "出院患者来信感谢医护人员耐心讲解病情"),
			)
		):
			if i < len(staff):
				frappe.get_doc(
					{
						"doctype": "HSQ Compliment",
						"channel": channel,
						"received_at": now_datetime(),
						"institution": HOSPITAL,
						"staff": [{"staff": staff[i].name}],
						"description": text,
					}
				).insert()
	finally:
		frappe.set_user(user)

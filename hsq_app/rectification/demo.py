"""Demo rectification ledger for the start command's site (registered under ``hsq_demo_data``).

In 演示县人民医院: a task the bureau raised after an inspection, one the hospital raised itself and
has started, and a concentrated problem (three service-attitude complaints against 内科) proposed
by the cluster job. Runs once: nothing is added when the hospital already has tasks.
"""

from datetime import timedelta

import frappe
from frappe.model.workflow import apply_workflow
from frappe.utils import add_days, now_datetime, today

from hsq_app.rectification.clusters import detect_clusters
from hsq_app.rectification.tasks import TASK

HOSPITAL, CODE = "演示县人民医院", "rmyy"


def make_demo():
	if not frappe.db.exists("HSQ Institution", HOSPITAL) or frappe.db.exists(TASK, {"institution": HOSPITAL}):
		return
	department = frappe.db.get_value("HSQ Department", {"institution": HOSPITAL, "department_name": "内科"})
	head, handler = f"head@{CODE}.hsq.local", f"handler@{CODE}.hsq.local"
	user = frappe.session.user
	try:
		frappe.set_user("inspector@wjj.hsq.local")
		_task(
			department,
			head,
			handler,
			source_type="Inspection",
			source_name="2026年第一季度医疗服务质量督查",
			problem="门诊预检分诊台高峰时段无人值守，患者排队时间长",
			category="Waiting Time",
			root_cause="排班未覆盖高峰时段",
		)
		frappe.set_user(f"officer@{CODE}.hsq.local")
		name = _task(
			department,
			head,
			handler,
			source_type="Survey",
			source_name="2026年第一季度出院患者满意度调查",
			problem="出院患者反映病区夜间噪音大，影响休息",
			category="Environment",
			root_cause="夜间巡视和设备报警管理不到位",
		)
		apply_workflow(frappe.get_doc(TASK, name), "Start")
	finally:
		frappe.set_user(user)
	for days in (2, 9, 17):
		frappe.get_doc(
			{
				"doctype": "HSQ Complaint",
				"channel": "12345 Hotline",
				"received_at": now_datetime() - timedelta(days=days),
				"complainant_name": "演示患者",
				"complainant_phone": "13800000000",
				"patient_name": "演示患者",
				"institution": HOSPITAL,
				"department": department,
				"category": "Service Attitude",
				"description": "内科门诊医生问诊时态度生硬（演示数据）",
				"severity": "Medium",
			}
		).insert(ignore_permissions=True)
	detect_clusters()


def _task(department, head, handler, **kw):
	return (
		frappe.get_doc(
			{
				"doctype": TASK,
				"institution": HOSPITAL,
				"responsible_department": department,
				"responsible_leader": head,
				"deadline": add_days(today(), 30),
				"measures": [
					{
						"measure": "调整排班，高峰时段增派人员",
						"measure_owner": head,
						"due_date": add_days(today(), 7),
					},
					{
						"measure": "开展服务规范培训并考核",
						"measure_owner": handler,
						"due_date": add_days(today(), 14),
					},
				],
				**kw,
			}
		)
		.insert()
		.name
	)

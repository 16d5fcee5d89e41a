"""Demo complaints for the start command's site, walked through the workflow by the demo users."""

import frappe
from frappe.utils import add_days, now_datetime

from hsq_app.complaints.api import apply_action
from hsq_app.install.demo import INSTITUTIONS, login

SAMPLES = [
	("12345 Hotline", "Waiting Time", "门诊挂号排队超过两小时，无人引导", "Registered"),
	("On-site", "Service Attitude", "护士对患者家属态度生硬", "Dispatched"),
	("Hotline", "Fees", "出院结算多收取检查费", "In Progress"),
	("WeChat", "Environment", "病房卫生间长期漏水", "Pending Approval"),
	("Letters and Visits", "Medical Quality", "术后复查发现伤口感染，要求说明原因", "Resolved"),
	("Mailbox", "Process", "检查报告领取流程不清楚", "Closed"),
]
PATH = [
	("Dispatched", "officer", "Dispatch", "department"),
	("Accepted", "handler", "Accept", None),
	("In Progress", "handler", "Start", None),
	("Pending Approval", "handler", "Submit for Approval", "resolution"),
	("Resolved", "head", "Approve", None),
	("Closed", "officer", "Close", "feedback"),
]


def make_demo_complaints():
	if frappe.db.count("HSQ Complaint"):
		return
	for name, code, _kind, _grade, _depts in INSTITUTIONS:
		department = frappe.db.get_value(
			"HSQ Department", {"institution": name, "department_head": login("head", code)}
		)
		for i, (channel, category, description, target) in enumerate(SAMPLES):
			frappe.set_user(login("officer", code))
			doc = frappe.get_doc(
				{
					"doctype": "HSQ Complaint",
					"channel": channel,
					"external_ref": f"DEMO-{code}-{i}"
					if channel in ("12345 Hotline", "Letters and Visits")
					else None,
					"received_at": add_days(now_datetime(), -i),
					"complainant_name": "张先生",
					"complainant_phone": "13800138000",
					"patient_name": "张某某",
					"institution": name,
					"category": category,
					"description": description,
					"demands": "请核实并答复",
					"severity": "Medium",
				}
			).insert()
			for state, actor, action, needs in PATH:
				if doc.workflow_state == target:
					break
				values = {
					"department": {"department": department},
					"resolution": {
						"finding": "Upheld",
						"resolution": "已核实，批评教育当事人并整改",
						"reply_to_complainant": "已向您致歉，并落实整改",
					},
					"feedback": {"complainant_feedback": "Satisfied"},
				}.get(needs, {})
				frappe.set_user(login(actor, code))
				apply_action(doc.name, action, values)
				doc.reload()
				assert doc.workflow_state == state
	frappe.set_user("Administrator")

"""What the survey module ships: default questionnaires (one per kind), settings, the SMS template,
survey codes for every department and institution, and the medical word list for themes.
Created idempotently on install and migrate; editable in the desk afterwards."""

from __future__ import annotations

import frappe

from hsq_app.messaging.sms import ensure_template
from hsq_app.survey import codes

INVITATION_TEMPLATE = "Survey Invitation"
INVITATION_BODY = (
	"【{{ institution }}】您好，感谢您在我院就医。请花1分钟评价本次住院体验：{{ link }} "
	"（{{ valid_days }}天内有效，仅可填写一次）。回复TD退订"
)

_SCALE = "Scale"

OUTPATIENT = [
	("A1", "Registration and Appointment", "挂号、预约是否方便？", _SCALE),
	("A2", "Waiting", "候诊时间是否可以接受？", _SCALE),
	("A3", "Doctor Communication", "医生是否认真倾听并清楚解释病情和用药？", _SCALE),
	("A4", "Nursing", "护士的服务态度如何？", _SCALE),
	("A5", "Tests and Examinations", "检查检验的等候和取报告是否方便？", _SCALE),
	("A6", "Fees", "收费是否清楚、合理？", _SCALE),
	("A7", "Environment and Facilities", "就诊环境是否整洁、标识是否清楚？", _SCALE),
	("A8", "Privacy", "就诊时您的隐私是否得到保护？", _SCALE),
	("A9", "Medical Ethics", "是否遇到索要红包、推销药品等情况？", "Single Choice", "没有\n有"),
	(
		"A10",
		"Overall",
		"您最希望我们改进的方面（可多选）",
		"Multiple Choice",
		"挂号预约\n候诊时间\n医生沟通\n护理服务\n检查检验\n收费\n环境设施\n隐私保护",
	),
]
INPATIENT = [
	("B1", "Registration and Appointment", "入院办理是否顺利？", _SCALE),
	("B2", "Doctor Communication", "医生是否及时向您说明病情、治疗方案和风险？", _SCALE),
	("B3", "Nursing", "护士是否及时响应您的呼叫？", _SCALE),
	("B4", "Nursing", "护理操作是否规范、耐心？", _SCALE),
	("B5", "Tests and Examinations", "检查安排是否及时？", _SCALE),
	("B6", "Fees", "住院费用清单是否清楚？", _SCALE),
	("B7", "Environment and Facilities", "病房是否安静、整洁？伙食如何？", _SCALE),
	("B8", "Privacy", "您的隐私是否得到尊重？", _SCALE),
	("B9", "Medical Ethics", "是否遇到索要红包、收受回扣等情况？", "Single Choice", "没有\n有"),
	("B10", "Overall", "出院时是否得到清楚的用药和复诊指导？", _SCALE),
]
STAFF = [
	("C1", "Pay", "您对薪酬待遇的满意程度", _SCALE),
	("C2", "Pay", "绩效分配是否公平、公开？", _SCALE),
	("C3", "Working Environment", "工作环境和设备条件", _SCALE),
	("C4", "Working Environment", "工作负荷是否合理？", _SCALE),
	("C5", "Management", "科室和医院管理是否规范、公正？", _SCALE),
	("C6", "Management", "意见和建议是否能被听取？", _SCALE),
	("C7", "Development", "培训和职业发展机会", _SCALE),
	("C8", "Overall", "您是否愿意向亲友推荐来本院工作？", "Single Choice", "愿意\n不确定\n不愿意"),
]
DEFAULT_TEMPLATES = {
	"门诊患者满意度调查": (
		"Outpatient",
		"感谢您抽出1分钟评价本次就诊。问卷匿名，除总体评价外均可跳过。",
		OUTPATIENT,
	),
	"住院患者满意度调查": (
		"Inpatient",
		"感谢您评价本次住院体验。问卷匿名，除总体评价外均可跳过。",
		INPATIENT,
	),
	"医务人员满意度调查": ("Staff", "本问卷完全匿名：不记录您的姓名、科室、设备或网络地址。", STAFF),
}

# words jieba should keep whole (a county hospital's vocabulary), and words that are never a theme
MEDICAL_TERMS = (
	"挂号难 排队时间长 等候时间 候诊 态度差 态度好 服务态度 医生态度 护士态度 乱收费 收费贵 多收费 "
	"检查结果 检验报告 取报告 住院费用 医保报销 异地报销 预约挂号 专家号 停车难 停车位 卫生间 "
	"病房环境 饭菜 陪护 探视 夜班 呼叫铃 输液 打针 抽血 CT 核磁共振 彩超 B超 药房 取药 "
	"出院小结 复诊 随访 红包 回扣 推诿 误诊 漏诊 医疗纠纷 隐私 沟通不足 解释不清 绩效 薪酬 加班 "
	"值班 培训 晋升 编制"
).split()
IGNORE_WORDS = (
	"医院 我们 你们 他们 自己 什么 怎么 这个 那个 一个 没有 还是 就是 但是 因为 所以 如果 "
	"可以 非常 比较 觉得 希望 谢谢 感谢 已经 时候 现在 今天 昨天 医生 护士 患者 病人 家属 科室 "
	"问题 情况 需要 进行 这样 那么 不是 还有 一下 一直 这次 本次 满意 不错 很好 挺好"
).split()


def ensure_defaults() -> None:
	for name, (kind, intro, items) in DEFAULT_TEMPLATES.items():
		if frappe.db.exists("HSQ Survey Template", name):
			continue
		doc = frappe.get_doc(
			{
				"doctype": "HSQ Survey Template",
				"template_name": name,
				"kind": kind,
				"is_active": 1,
				"intro": intro,
			}
		)
		for row in items:
			code, area, question, item_type, *options = row
			doc.append(
				"items",
				{
					"item": code,
					"area": area,
					"question": question,
					"item_type": item_type,
					"options": options[0] if options else None,
				},
			)
		doc.insert(ignore_permissions=True)
	ensure_template(
		INVITATION_TEMPLATE,
		INVITATION_BODY,
		"住院患者出院后的满意度调查短信（单次有效链接）",
	)
	if not frappe.db.get_single_value("HSQ Survey Settings", "invitation_template", cache=False):
		frappe.db.set_single_value("HSQ Survey Settings", "invitation_template", INVITATION_TEMPLATE)
	_ensure_settings_defaults()
	for word in MEDICAL_TERMS:
		_ensure_word(word, "Term")
	for word in IGNORE_WORDS:
		_ensure_word(word, "Ignore")
	codes.backfill()
	from hsq_app.survey import workspace

	workspace.ensure_indicator_block()


def _ensure_settings_defaults() -> None:
	"""A single's defaults are only applied when it is first saved; apply them on install."""
	meta = frappe.get_meta("HSQ Survey Settings")
	for df in meta.fields:
		if df.default is None or df.fieldtype in ("Section Break", "Column Break"):
			continue
		if frappe.db.get_single_value("HSQ Survey Settings", df.fieldname) in (
			None,
			"",
			0,
		) and not frappe.db.get_value("Singles", {"doctype": "HSQ Survey Settings", "field": df.fieldname}):
			frappe.db.set_single_value("HSQ Survey Settings", df.fieldname, df.default)


def _ensure_word(word: str, word_type: str) -> None:
	if not frappe.db.exists("HSQ Theme Word", word):
		frappe.get_doc({"doctype": "HSQ Theme Word", "word": word, "word_type": word_type}).insert(
			ignore_permissions=True
		)

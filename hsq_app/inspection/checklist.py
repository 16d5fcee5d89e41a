"""Inspection checklists (专项整治督查清单): which items apply to an institution, and the defaults.

An item's ``applies_to`` lists institution types and/or grades separated by commas (blank: every
institution). An item applies when the institution's type is among the listed types (if any type is
listed) and its grade among the listed grades (if any grade is listed): "Hospital, Tertiary,
Secondary" is a hospital of grade two or three (二级以上医院), "Township Health Center" every
township centre. The Chinese names the desk shows are accepted too and stored in English.

The default template carries the county plan's own items; it is created when missing and never
overwritten, so the bureau edits it (or copies it) in the desk.
"""

import re

import frappe
from frappe import _

TEMPLATE = "HSQ Inspection Template"
INSTITUTION_TYPES = ("Bureau", "Hospital", "Township Health Center", "Community Health Center", "Other")
GRADES = ("Tertiary", "Secondary", "Primary", "Ungraded")
# the names a Chinese desk shows (hsq_app/locale/zh.po), accepted as input
SYNONYMS = {
	"卫健局": "Bureau",
	"卫生健康局": "Bureau",
	"医院": "Hospital",
	"乡镇卫生院": "Township Health Center",
	"卫生院": "Township Health Center",
	"社区卫生服务中心": "Community Health Center",
	"其他": "Other",
	"三级": "Tertiary",
	"二级": "Secondary",
	"一级": "Primary",
	"未定级": "Ungraded",
}


class ApplicabilityError(frappe.ValidationError):
	pass


def parse_applies_to(text: str | None) -> tuple[set[str], set[str]]:
	"""(types, grades) named in an ``applies_to`` value; unknown words raise ApplicabilityError."""
	types, grades = set(), set()
	for raw in re.split(r"[,，;；、]", text or ""):
		token = raw.strip()
		if not token:
			continue
		canonical = {t.lower(): t for t in (*INSTITUTION_TYPES, *GRADES)}.get(token.lower()) or SYNONYMS.get(
			token
		)
		if canonical in INSTITUTION_TYPES:
			types.add(canonical)
		elif canonical in GRADES:
			grades.add(canonical)
		else:
			frappe.throw(
				_("Unknown institution type or grade in Applies To: {0}").format(token), ApplicabilityError
			)
	return types, grades


def normalize_applies_to(text: str | None) -> str:
	types, grades = parse_applies_to(text)
	ordered = [t for t in INSTITUTION_TYPES if t in types] + [g for g in GRADES if g in grades]
	return ", ".join(ordered)


def applies(applies_to: str | None, institution_type: str | None, grade: str | None) -> bool:
	types, grades = parse_applies_to(applies_to)
	if types and institution_type not in types:
		return False
	if grades and grade not in grades:
		return False
	return True


def items_for(template: str, institution: str) -> list[dict]:
	"""The template's items that apply to the institution's type and grade, as inspection rows."""
	inst = frappe.db.get_value("HSQ Institution", institution, ["institution_type", "grade"], as_dict=True)
	if not inst:
		frappe.throw(_("Institution {0} does not exist").format(institution))
	tpl = frappe.get_doc(TEMPLATE, template)
	return [
		{
			"item": row.item,
			"area": row.area,
			"check_type": row.check_type,
			"minimum": row.minimum,
			"max_score": row.max_score,
			"weight": row.weight,
			"category": row.category,
		}
		for row in tpl.items
		if applies(row.applies_to, inst.institution_type, inst.grade)
	]


def validate_template(doc) -> None:
	"""Template controller: known applicability words, sensible minimums, weights and scales."""
	if not doc.items:
		frappe.throw(_("A checklist needs at least one item"))
	for row in doc.items:
		row.applies_to = normalize_applies_to(row.applies_to)
		if (row.weight or 0) < 0:
			frappe.throw(_("Row {0}: the weight cannot be negative").format(row.idx))
		if row.check_type == "Count" and (row.minimum or 0) < 1:
			frappe.throw(_("Row {0}: a Count item needs a minimum of at least 1").format(row.idx))
		if row.check_type == "Score":
			if (row.max_score or 0) < 1:
				frappe.throw(_("Row {0}: a Score item needs a maximum score").format(row.idx))
			if (row.minimum or 0) > row.max_score:
				frappe.throw(_("Row {0}: the minimum is above the maximum score").format(row.idx))
	if (doc.rectification_days or 0) < 1:
		doc.rectification_days = 30


# --------------------------------------------------------------------------------------------------
# defaults: the county plan's 专项整治 items
# --------------------------------------------------------------------------------------------------

DEFAULT_TEMPLATE = "县医疗服务专项整治督查"
SECONDARY_UP = "Hospital, Tertiary, Secondary"
# (area, item, check type, minimum, max score, weight, applies to, category)
DEFAULT_ITEMS = [
	("Guidance", "设置导医台并配备导医人员", "Yes/No", 0, 0, 2, SECONDARY_UP, "Process"),
	("Guidance", "定时公布坐诊医生名单", "Yes/No", 0, 0, 2, "", "Process"),
	("Guidance", "院内标识标牌清晰、规范、易懂（0–5分）", "Score", 3, 5, 1, "", "Environment"),
	("Convenience", "提供便民服务（轮椅、饮用水、老花镜、便民箱等）", "Yes/No", 0, 0, 1, "", "Process"),
	(
		"Green Channel",
		"开通绿色通道（老年人、残疾人、急危重症患者优先），标识醒目",
		"Yes/No",
		0,
		0,
		2,
		"",
		"Process",
	),
	(
		"Complaint Channels",
		"24小时投诉电话张贴不低于5处",
		"Count",
		5,
		0,
		2,
		"Township Health Center",
		"Other",
	),
	("Complaint Channels", "所有科室、病房均张贴24小时投诉电话", "Yes/No", 0, 0, 2, SECONDARY_UP, "Other"),
	("Complaint Channels", "公示投诉管理部门、地点、接待时间及投诉处理程序", "Yes/No", 0, 0, 1, "", "Other"),
	("Appearance", "病房整洁、物品摆放有序（0–5分）", "Score", 3, 5, 1, "", "Environment"),
	("Appearance", "卫生间清洁、无异味（0–5分）", "Score", 3, 5, 1, "", "Environment"),
	("Appearance", "张贴禁烟标识，院内无吸烟现象", "Yes/No", 0, 0, 1, "", "Environment"),
	("Medical Ethics", "工作人员统一着装、佩戴胸牌上岗", "Yes/No", 0, 0, 1, "", "Medical Ethics"),
	("Medical Ethics", "公示医德医风举报电话及“九不准”", "Yes/No", 0, 0, 1, "", "Medical Ethics"),
]


def install_defaults() -> None:
	"""The county plan's checklist, created when missing (never overwritten: the bureau edits it)."""
	if frappe.db.exists(TEMPLATE, DEFAULT_TEMPLATE):
		return
	categories = set(frappe.get_all("HSQ Complaint Category", pluck="name"))
	frappe.get_doc(
		{
			"doctype": TEMPLATE,
			"template_name": DEFAULT_TEMPLATE,
			"is_active": 1,
			"rectification_days": 30,
			"description": "依据县医疗服务质量专项整治方案：导医服务、坐诊医生公示、绿色通道、投诉电话张贴、院容院貌、着装胸牌等。",
			"items": [
				{
					"area": area,
					"item": item,
					"check_type": check_type,
					"minimum": minimum,
					"max_score": max_score,
					"weight": weight,
					"applies_to": applies_to,
					"category": category if category in categories else None,
				}
				for area, item, check_type, minimum, max_score, weight, applies_to, category in DEFAULT_ITEMS
			],
		}
	).insert(ignore_permissions=True)

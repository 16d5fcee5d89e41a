"""Demo data for the start command's site (never the test site).

A county bureau, a tertiary and a secondary hospital, two township health centres, their
departments and staff, and one login per role per institution, all sharing one password.
Run: ``bench --site hsq.localhost execute hsq_app.install.demo.make_demo --kwargs '{"password": "..."}'``
"""

import frappe

from hsq_app import roles as R

BUREAU = ("演示县卫生健康局", "wjj", "Bureau", "Ungraded", [])
INSTITUTIONS = [
	(
		"演示县人民医院",
		"rmyy",
		"Hospital",
		"Tertiary",
		["内科", "外科", "妇产科", "儿科", "急诊科", "门诊部", "收费处"],
	),
	("演示县中医院", "zyy", "Hospital", "Secondary", ["内科", "外科", "针灸推拿科", "门诊部", "收费处"]),
	("城关镇卫生院", "cgz", "Township Health Center", "Primary", ["全科", "公共卫生科", "收费处"]),
	("石桥镇卫生院", "sqz", "Township Health Center", "Primary", ["全科", "公共卫生科", "收费处"]),
]
# login prefix, role, 中文 name, department index (None: the whole institution)
BUREAU_USERS = [
	("admin", R.BUREAU_ADMIN, "局管理员", None),
	("inspector", R.BUREAU_INSPECTOR, "督查员", None),
	("intake", R.INTAKE_INTEGRATION, "12345接口", None),
]
INSTITUTION_USERS = [
	("itadmin", R.INSTITUTION_ADMIN, "机构管理员", None),
	("officer", R.QUALITY_OFFICER, "投诉专员", None),
	("leader", R.INSTITUTION_LEADER, "分管院长", None),
	("president", R.INSTITUTION_LEADER, "院长", None),
	("head", R.DEPARTMENT_HEAD, "科主任", 0),
	("handler", R.HANDLER, "承办人", 0),
	("agent", R.FOLLOW_UP_AGENT, "回访员", None),
]


def login(prefix: str, code: str) -> str:
	return f"{prefix}@{code}.hsq.local"


def make_demo(password: str = "Hsq@2026demo"):
	frappe.flags.in_import = True  # no welcome mails, no user-creation throttle
	frappe.flags.mute_emails = True
	bureau = _institution(*BUREAU[:4], parent=None)
	for prefix, role, title, _dept in BUREAU_USERS:
		_user(login(prefix, BUREAU[1]), f"{BUREAU[0]}{title}", role, password, bureau, None)
	for name, code, kind, grade, departments in INSTITUTIONS:
		inst = _institution(name, code, kind, grade, parent=bureau)
		depts = [_department(inst, d) for d in departments]
		for prefix, role, title, dept_idx in INSTITUTION_USERS:
			dept = depts[dept_idx] if dept_idx is not None else None
			user = _user(login(prefix, code), f"{name}{title}", role, password, inst, dept)
			if prefix == "head":
				frappe.db.set_value("HSQ Department", dept, "department_head", user)
		frappe.db.set_value(
			"HSQ Institution",
			inst,
			{"deputy_head": login("leader", code), "principal_head": login("president", code)},
		)
		for i, dept in enumerate(depts[1:], start=1):
			_staff(f"{name}{departments[i]}医生", inst, dept, None)
	for hook in frappe.get_hooks("hsq_demo_data"):
		frappe.get_attr(hook)()
	from frappe.utils.scheduler import enable_scheduler

	enable_scheduler()
	frappe.db.commit()  # a bench execute command: keep what was made
	print(login_table())


def _institution(name, code, kind, grade, parent):
	if not frappe.db.exists("HSQ Institution", name):
		frappe.get_doc(
			{
				"doctype": "HSQ Institution",
				"institution_name": name,
				"institution_type": kind,
				"grade": grade,
				"parent_hsq_institution": parent,
				"is_group": 1,
			}
		).insert(ignore_permissions=True)
	return name


def _department(institution, department_name):
	name = frappe.db.get_value(
		"HSQ Department", {"institution": institution, "department_name": department_name}
	)
	if name:
		return name
	return (
		frappe.get_doc(
			{"doctype": "HSQ Department", "department_name": department_name, "institution": institution}
		)
		.insert(ignore_permissions=True)
		.name
	)


def _staff(staff_name, institution, department, user):
	existing = frappe.db.get_value("HSQ Staff", {"staff_name": staff_name, "institution": institution})
	if existing:
		return existing
	return (
		frappe.get_doc(
			{
				"doctype": "HSQ Staff",
				"staff_name": staff_name,
				"institution": institution,
				"department": department,
				"user": user,
				"status": "Active",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def _user(email, full_name, role, password, institution, department):
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": full_name,
				"language": "zh",
				"send_welcome_email": 0,
				"user_type": "System User" if role != R.INTAKE_INTEGRATION else "Website User",
				"roles": [{"role": role}],
				"new_password": password,
			}
		)
		user.insert(ignore_permissions=True)
	if role != R.INTAKE_INTEGRATION:
		_staff(full_name, institution, department, email)
	return email


def print_login_table() -> None:
	"""For ``bench execute``: print the table (a returned value would be printed as JSON)."""
	print(login_table())


def login_table() -> str:
	lines = ["login                              role                      institution"]
	for prefix, role, _t, _d in BUREAU_USERS:
		lines.append(f"{login(prefix, BUREAU[1]):<34} {R.ROLES[role][0]:<24} {BUREAU[0]}")
	for name, code, *_ in INSTITUTIONS:
		for prefix, role, _t, _d in INSTITUTION_USERS:
			lines.append(f"{login(prefix, code):<34} {R.ROLES[role][0]:<24} {name}")
	return "\n".join(lines)

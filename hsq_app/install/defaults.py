"""Install and migrate hooks: roles, default master data, desk defaults. Every step is idempotent."""

import frappe

from hsq_app.roles import ROLES

DEFAULT_CATEGORIES = {
	"Service Attitude": "服务态度",
	"Waiting Time": "候诊等待时间",
	"Medical Quality": "医疗质量",
	"Fees": "医疗收费",
	"Environment": "就医环境",
	"Medical Ethics": "医德医风",
	"Process": "就医流程",
	"Privacy": "隐私保护",
	"Other": "其他",
}


def after_install():
	ensure_defaults()
	set_desk_defaults()


def after_migrate():
	ensure_defaults()


def ensure_defaults():
	ensure_roles()
	ensure_categories()
	for hook in frappe.get_hooks("hsq_install_defaults"):
		frappe.get_attr(hook)()


def ensure_roles():
	for role, (_zh, desk_access) in ROLES.items():
		if not frappe.db.exists("Role", role):
			frappe.get_doc(
				{"doctype": "Role", "role_name": role, "desk_access": desk_access, "is_custom": 0}
			).insert(ignore_permissions=True)


def ensure_categories():
	for name, description in DEFAULT_CATEGORIES.items():
		if not frappe.db.exists("HSQ Complaint Category", name):
			frappe.get_doc(
				{"doctype": "HSQ Complaint Category", "category_name": name, "description": description}
			).insert(ignore_permissions=True)


def set_desk_defaults():
	"""A new site speaks Chinese, keeps China's time and skips the setup wizard (single-purpose desk)."""
	settings = frappe.get_single("System Settings")
	if settings.setup_complete:
		return
	settings.update(
		{
			"language": "zh",
			"time_zone": "Asia/Shanghai",
			"country": "China",
			"date_format": "yyyy-mm-dd",
			"time_format": "HH:mm:ss",
			"first_day_of_the_week": "Monday",
			"currency": "CNY",
			"setup_complete": 1,
		}
	)
	settings.flags.ignore_mandatory = True
	settings.save(ignore_permissions=True)
	frappe.db.set_default("desktop:home_page", "workspace")


def before_tests():
	"""Test sites run in Chinese with the defaults in place, like a real site."""
	ensure_defaults()
	set_desk_defaults()
	frappe.db.commit()  # tests roll back to this point

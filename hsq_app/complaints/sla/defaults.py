"""Default SLA data, created idempotently on install and migrate (hook ``hsq_install_defaults``).

Never overwrites what an admin changed: records are created when missing, a calendar only gains
years it does not cover yet, settings are only filled when empty.
"""

import datetime as dt
from collections import defaultdict

import frappe

from hsq_app.complaints.sla.sweep import STATUS_DEADLINE_INDEX, STATUS_LEVEL_INDEX, STATUS_WARN_INDEX

CALENDAR_NAME = "中国法定工作日历"

DEFAULT_POLICY = "医疗机构投诉管理办法"
HOTLINE_POLICY = "12345热线工单"
PETITION_POLICY = "信访事项"

# Department Head at the breach, then one, three and five working days (7.5 h each) overdue
ESCALATION_CHAIN = [
	(1, 0, "Department Head"),
	(2, 7.5, "Deputy Head"),
	(3, 22.5, "Principal Head"),
	(4, 37.5, "Bureau"),
]

DEFAULT_POLICIES = [
	{
		# 《医疗机构投诉管理办法》第三十条: 5 working days, 10 when several departments are involved
		"policy_name": DEFAULT_POLICY,
		"priority": 100,
		"acknowledge_hours": 7.5,
		"first_contact_days": 1,
		"resolve_days": 5,
		"complex_resolve_days": 10,
		"max_extension_days": 5,
		"use_calendar_days": 0,
		"warn_at_percent": 75,
	},
	{
		# 12345 hotline (local rules): sign within 1 working day, reply within 5, extension up to 10
		"policy_name": HOTLINE_POLICY,
		"channel": "12345 Hotline",
		"priority": 10,
		"acknowledge_hours": 7.5,
		"first_contact_days": 1,
		"resolve_days": 5,
		"complex_resolve_days": 5,
		"max_extension_days": 10,
		"use_calendar_days": 0,
		"warn_at_percent": 75,
	},
	{
		# 《信访工作条例》: accept (tell the petitioner) within 15 days, conclude within 60, extension up to 30
		"policy_name": PETITION_POLICY,
		"channel": "Letters and Visits",
		"priority": 10,
		"acknowledge_hours": 7.5,
		"first_contact_days": 15,
		"resolve_days": 60,
		"complex_resolve_days": 60,
		"max_extension_days": 30,
		"use_calendar_days": 1,
		"warn_at_percent": 75,
	},
]

# composite indexes the sweep's UPDATEs and SELECTs range over (HSQ Complaint)
COMPLAINT_INDEXES = {
	STATUS_DEADLINE_INDEX: ["sla_status", "resolve_by"],
	STATUS_WARN_INDEX: ["sla_status", "warn_by"],
	STATUS_LEVEL_INDEX: ["sla_status", "escalation_level", "resolve_by"],
}


def install_defaults():
	ensure_work_calendar()
	ensure_sla_policies()
	ensure_complaint_indexes()


def official_schedule() -> dict[int, list[tuple[dt.date, str, str]]]:
	"""Rows per year from the ``chinesecalendar`` package: weekday holidays and weekend make-up days."""
	import chinese_calendar as cc

	names = {h.value: h.chinese for h in cc.Holiday}
	rows = defaultdict(list)
	for day, holiday in cc.holidays.items():
		if day.weekday() < 5:
			rows[day.year].append((day, "Holiday", names.get(holiday, holiday)))
	for day, holiday in cc.workdays.items():
		if day.weekday() >= 5:
			rows[day.year].append((day, "Workday", f"{names.get(holiday, holiday)}调休上班"))
	return {year: sorted(rows[year]) for year in sorted(rows)}


def ensure_work_calendar():
	"""The official calendar for every year the package knows; later years are the admin's to enter."""
	schedule = official_schedule()
	if not frappe.db.exists("HSQ Work Calendar", CALENDAR_NAME):
		# explicit hours: frappe.new_doc gives every Time field the current time, whatever its default
		doc = frappe.get_doc(
			{
				"doctype": "HSQ Work Calendar",
				"calendar_name": CALENDAR_NAME,
				"morning_start": "08:00:00",
				"morning_end": "12:00:00",
				"afternoon_start": "14:00:00",
				"afternoon_end": "17:30:00",
			}
		)
		covered = None
	else:
		doc = frappe.get_doc("HSQ Work Calendar", CALENDAR_NAME)
		covered = frappe.utils.getdate(doc.covered_until)
	new_years = [year for year in schedule if covered is None or year > covered.year]
	if new_years:
		present = {frappe.utils.getdate(row.date) for row in doc.days}
		for year in new_years:
			for day, day_type, description in schedule[year]:
				if day not in present:
					doc.append("days", {"date": day, "day_type": day_type, "description": description})
		doc.covered_until = dt.date(new_years[-1], 12, 31)
		doc.save(ignore_permissions=True)
	if not frappe.db.get_single_value("HSQ Settings", "default_work_calendar"):
		frappe.db.set_single_value("HSQ Settings", "default_work_calendar", CALENDAR_NAME)


def ensure_sla_policies():
	for values in DEFAULT_POLICIES:
		if frappe.db.exists("HSQ SLA Policy", values["policy_name"]):
			continue
		doc = frappe.get_doc({"doctype": "HSQ SLA Policy", "enabled": 1, **values})
		for level, hours, notify in ESCALATION_CHAIN:
			doc.append("escalations", {"level": level, "after_hours_overdue": hours, "notify": notify})
		doc.insert(ignore_permissions=True)
	if not frappe.db.get_single_value("HSQ Settings", "default_sla_policy"):
		frappe.db.set_single_value("HSQ Settings", "default_sla_policy", DEFAULT_POLICY)


def ensure_complaint_indexes():
	"""Composite indexes for the SLA sweep (frappe.db.add_index checks this database first)."""
	for name, columns in COMPLAINT_INDEXES.items():
		frappe.db.add_index("HSQ Complaint", columns, name)

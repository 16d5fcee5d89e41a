# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt

from hsq_app.complaints import sla


class HSQSLAPolicy(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.complaints.doctype.hsq_sla_escalation_rule.hsq_sla_escalation_rule import (
			HSQSLAEscalationRule,
		)

		acknowledge_hours: DF.Float
		category: DF.Link | None
		channel: DF.Literal[
			"",
			"On-site",
			"Hotline",
			"12345 Hotline",
			"Letters and Visits",
			"Website",
			"WeChat",
			"Mailbox",
			"Satisfaction Survey",
			"Follow Up",
			"Bureau Referral",
			"Email",
		]
		complex_resolve_days: DF.Float
		enabled: DF.Check
		escalations: DF.Table[HSQSLAEscalationRule]
		first_contact_days: DF.Float
		max_extension_days: DF.Float
		policy_name: DF.Data
		priority: DF.Int
		resolve_days: DF.Float
		severity: DF.Literal["", "Low", "Medium", "High", "Urgent"]
		use_calendar_days: DF.Check
		warn_at_percent: DF.Percent

	# end: auto-generated types
	def validate(self):
		for field in ("acknowledge_hours", "first_contact_days", "resolve_days", "complex_resolve_days"):
			if flt(self.get(field)) < 0:
				frappe.throw(_("{0} cannot be negative").format(_(self.meta.get_label(field))))
		if flt(self.resolve_days) <= 0:
			frappe.throw(_("Resolve Within must be more than 0 days"))
		if not 0 <= flt(self.warn_at_percent) <= 100:
			frappe.throw(_("Warn At must be between 0 and 100 percent"))
		levels = [row.level for row in self.escalations]
		if any(level <= 0 for level in levels) or len(set(levels)) != len(levels):
			frappe.throw(_("Escalation levels must be distinct numbers from 1 up"))
		hours = [row.after_hours_overdue for row in sorted(self.escalations, key=lambda r: r.level)]
		if hours != sorted(hours) or any(h < 0 for h in hours):
			frappe.throw(_("A higher escalation level cannot come sooner than a lower one"))
		self.escalations.sort(key=lambda r: r.level)
		for idx, row in enumerate(self.escalations, start=1):
			row.idx = idx

	def on_update(self):
		sla.on_policy_change()

	def on_trash(self):
		if frappe.db.get_single_value("HSQ Settings", "default_sla_policy") == self.name:
			frappe.throw(_("{0} is the default SLA policy in HSQ Settings").format(self.name))
		if frappe.db.exists("HSQ Complaint", {"sla_policy": self.name}):
			frappe.throw(_("Complaints run on SLA policy {0}; disable it instead").format(self.name))
		sla.on_policy_change()

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.utils.client import validate_proxies


class HSQSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		cluster_min_complaints: DF.Int
		cluster_window_days: DF.Int
		default_sla_policy: DF.Link | None
		default_work_calendar: DF.Link | None
		follow_up_assignment: DF.Literal["Attending Staff", "Balanced Across Agents"]
		follow_up_offsets: DF.Data
		monthly_report_due_day: DF.Int
		public_complaint_max_photos: DF.Int
		public_complaint_phone_limit: DF.Int
		public_complaint_photo_max_mb: DF.Int
		public_complaint_rate_limit: DF.Int
		secondary_sample_rate: DF.Percent
		special_follow_up_offsets: DF.Data | None
		township_sample_rate: DF.Percent
		trusted_proxies: DF.SmallText | None

	# end: auto-generated types
	def validate(self):
		validate_proxies(self.trusted_proxies)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from hsq_app.recognition import compliments


class HSQCompliment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.recognition.doctype.hsq_compliment_staff.hsq_compliment_staff import HSQComplimentStaff

		channel: DF.Literal[
			"Letter",
			"Silk Banner",
			"On-site",
			"Hotline",
			"12345 Hotline",
			"Satisfaction Survey",
			"Follow Up",
			"WeChat",
			"Other",
		]
		department: DF.Link | None
		description: DF.Text
		from_name: DF.Data | None
		institution: DF.Link
		naming_series: DF.Literal["BY-.YYYY.-"]
		received_at: DF.Datetime
		registered_by: DF.Link | None
		staff: DF.TableMultiSelect[HSQComplimentStaff]

	# end: auto-generated types
	def before_validate(self):
		compliments.before_validate(self)

	def validate(self):
		compliments.validate(self)

# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from hsq_app.follow_up.spot_check import fill_sample, tally


class HSQSpotCheck(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from hsq_app.follow_up.doctype.hsq_spot_check_item.hsq_spot_check_item import HSQSpotCheckItem

		conclusion: DF.SmallText | None
		confirmation_rate: DF.Percent
		confirmed: DF.Int
		inspector: DF.Link | None
		institution: DF.Link
		items: DF.Table[HSQSpotCheckItem]
		month: DF.Date
		not_confirmed: DF.Int
		population: DF.Int
		rectification_doctype: DF.Link | None
		rectification_task: DF.DynamicLink | None
		sample_rate: DF.Percent
		sample_size: DF.Int
		seed: DF.Int
		status: DF.Literal["Open", "Completed"]
		unreachable: DF.Int

	# end: auto-generated types
	def before_insert(self):
		fill_sample(self)

	def validate(self):
		before = self.get_doc_before_save()
		if before and sorted(r.follow_up for r in before.items) != sorted(r.follow_up for r in self.items):
			frappe.throw(_("The sample is drawn once, when the spot check is created; it cannot be changed"))
		tally(self)

	def on_trash(self):
		frappe.throw(_("Spot checks are never deleted"))

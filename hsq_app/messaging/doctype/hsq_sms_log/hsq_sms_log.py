# Copyright (c) 2026, hsq_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class HSQSMSLog(Document):
	pass


def on_doctype_update():
	"""A record's messages are looked up by their reference: every registration job asks which of
	its complaints were already told (registration._send_registration_sms), worklist.assign asks
	for one. Without this index each lookup read the whole log, which only grows
	(benchmarks/README.md, fifteenth session)."""
	frappe.db.add_index("HSQ SMS Log", ["reference_doctype", "reference_name"])

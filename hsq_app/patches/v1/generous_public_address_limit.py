"""The public complaint form's per-address limit was 5 an hour, which locks a hospital's whole
network (one address for every patient on its Wi-Fi) out after five complaints. A site still on
that old default gets the new one; a value an admin chose otherwise stays."""

import frappe

OLD_DEFAULT, NEW_DEFAULT = 5, 30


def execute():
	value = frappe.db.get_single_value("HSQ Settings", "public_complaint_rate_limit")
	if value in (None, 0, OLD_DEFAULT):
		frappe.db.set_single_value("HSQ Settings", "public_complaint_rate_limit", NEW_DEFAULT)
	for field, default in (("public_complaint_max_photos", 3), ("public_complaint_photo_max_mb", 5)):
		if frappe.db.get_single_value("HSQ Settings", field) is None:
			frappe.db.set_single_value("HSQ Settings", field, default)

"""Complaints registered before issue 13 get their list title (hsq_app.complaints.titles), in
batches of plain SQL: the surname and a mask, then the first words of the description."""

import frappe

BATCH = 50_000


def execute():
	while True:
		frappe.db.sql(
			f"""UPDATE `tabHSQ Complaint`
			SET summary = LEFT(CONCAT_WS(' · ',
				IF(is_anonymous = 1, %(anonymous)s,
					NULLIF(CONCAT(LEFT(COALESCE(NULLIF(complainant_name, ''), patient_name), 1),
						REPEAT('*', GREATEST(CHAR_LENGTH(COALESCE(NULLIF(complainant_name, ''), patient_name)) - 1, 1))),
						'*')),
				IF(CHAR_LENGTH(description) > 18, CONCAT(LEFT(description, 18), '…'), description)), 140)
			WHERE summary IS NULL LIMIT {BATCH}""",
			{"anonymous": frappe._("Anonymous", "zh")},
		)
		frappe.db.commit()
		if not frappe.db.sql("SELECT 1 FROM `tabHSQ Complaint` WHERE summary IS NULL LIMIT 1"):
			break

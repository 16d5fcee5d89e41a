"""Follow-up endpoints: the HIS discharge import and the desk's buttons.

``POST /api/method/hsq_app.api.follow_up.import_discharges`` with ``{"records": [...]}``
(fields of HSQ Discharge Record; institution and department by ID, the department also by its
name within the institution, the attending staff by ID or by name) returns
``{"created", "skipped_duplicates", "follow_ups", "invalid": [{"index", "error"}],
"duplicates": [{"index", "error"}]}``. Valid rows are stored with their follow-ups, the others
are reported by 0-based index with a readable reason and never stored.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_first_day, get_last_day, getdate, now_datetime, today

from hsq_app.follow_up import monthly_report, spot_check, store
from hsq_app.follow_up.doctype.hsq_follow_up.hsq_follow_up import questionnaire_dimensions
from hsq_app.follow_up.imports import upload as discharge_import
from hsq_app.follow_up.imports.storage import import_records
from hsq_app.permissions import visible_institutions

MAX_RECORDS = 50_000


@frappe.whitelist(methods=["POST"])
def import_discharges(records=None):
	records = frappe.parse_json(records) if isinstance(records, str) else records
	if not isinstance(records, list):
		frappe.throw(_("Send the discharge records as a list under the key records"))
	if len(records) > MAX_RECORDS:
		frappe.throw(_("At most {0} records per request").format(MAX_RECORDS))
	return import_records(records)


@frappe.whitelist(methods=["POST"])
def make_complaint(follow_up: str) -> str:
	"""转为投诉: a complaint (channel Follow Up) prefilled from the follow-up and its discharge record."""
	doc = frappe.get_doc("HSQ Follow Up", follow_up)
	doc.check_permission("write")
	# lock the follow-up: two clicks make one complaint
	existing = frappe.db.get_value("HSQ Follow Up", follow_up, "complaint", for_update=True)
	if existing:
		return existing
	if not (doc.issue_found or "").strip():
		frappe.throw(_("Describe the issue found before turning it into a complaint"))
	patient = frappe.db.get_value(
		"HSQ Discharge Record",
		doc.discharge_record,
		["patient_name", "patient_phone", "institution", "department"],
		as_dict=True,
	)
	complaint = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "Follow Up",
			"external_ref": doc.name,
			"received_at": now_datetime(),
			"complainant_name": patient.patient_name,
			"complainant_phone": patient.patient_phone,
			"relation_to_patient": "Self",
			"patient_name": patient.patient_name,
			"institution": patient.institution,
			"department": patient.department,
			"category": "Other",
			"severity": "Medium",
			"description": doc.issue_found.strip(),
		}
	).insert()
	store.set_values(doc, {"complaint": complaint.name})  # and "complaints raised" of its day
	return complaint.name


@frappe.whitelist()
def template_dimensions(template: str) -> list[str]:
	frappe.has_permission("HSQ Questionnaire Template", "read", template, throw=True)
	return questionnaire_dimensions(template)


@frappe.whitelist(methods=["POST"])
def submit_monthly_report(name: str):
	return monthly_report.submit(name).as_dict()


@frappe.whitelist(methods=["POST"])
def review_monthly_report(name: str, comment: str | None = None):
	return monthly_report.mark_reviewed(name, comment).as_dict()


@frappe.whitelist(methods=["POST"])
def recalculate_monthly_report(name: str):
	return monthly_report.recalculate(name).as_dict()


@frappe.whitelist(methods=["POST"])
def raise_rectification(spot_check_name: str) -> str:
	return spot_check.raise_rectification(spot_check_name)


@frappe.whitelist(methods=["POST"])
def start_discharge_import(name: str) -> dict:
	return discharge_import.start(name)


@frappe.whitelist()
def download_import_template():
	frappe.response["result"] = discharge_import.template_csv().encode("utf-8-sig")
	frappe.response["doctype"] = "出院患者导入模板"
	frappe.response["type"] = "csv"


@frappe.whitelist()
def coverage_this_month(filters=None) -> dict:
	"""Number card: completed / planned follow-ups due this month, over the institutions the user sees."""
	start, end = getdate(get_first_day(today())), getdate(get_last_day(today()))
	fu = frappe.qb.DocType("HSQ Follow Up")
	from frappe.query_builder import Case
	from frappe.query_builder.functions import Count, Sum

	query = (
		frappe.qb.from_(fu)
		.select(Count("*").as_("planned"), Sum(Case().when(fu.status == "Completed", 1).else_(0)).as_("done"))
		.where(fu.due_date.between(start, end))
	)
	allowed = visible_institutions()
	if allowed is not None:
		query = query.where(fu.institution.isin(allowed or [""]))
	row = query.run(as_dict=True)[0]
	value = round(100.0 * (row.done or 0) / row.planned, 1) if row.planned else 0
	return {
		"value": value,
		"fieldtype": "Percent",
		"route": ["query-report", "Follow Up Coverage"],
		"route_options": {"from_date": str(start), "to_date": str(end)},
	}

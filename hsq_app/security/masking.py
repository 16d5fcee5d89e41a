"""Personal data on a need-to-know basis: which phone numbers a user sees masked, and ``reveal``.

Field-level permissions (permlevel 1) decide whether a user reads a patient's or complainant's
personal data at all. Of those who may, only the roles that call people see phone numbers in
clear in lists, link search and reports; the others see ``138****8000`` there and open the form
or press "show" (:func:`reveal`) for one number, which the Access Log records.
"""

import frappe
from frappe import _

from hsq_app import roles as R

# the DocTypes holding patients' and complainants' personal data (permlevel 1 fields)
PERSONAL_DATA_DOCTYPES = ("HSQ Complaint", "HSQ Discharge Record", "HSQ Follow Up")

# who calls the people behind a record, by DocType (child tables: their parent)
CALLERS = {
	"HSQ Complaint": (
		R.QUALITY_OFFICER,  # registers, records the complainant's feedback
		R.HANDLER,  # first contact with the complainant
		R.FOLLOW_UP_AGENT,  # complaints raised from their own calls
		R.INTAKE_INTEGRATION,
		R.BUREAU_ADMIN,
	),
	"HSQ Discharge Record": (R.FOLLOW_UP_AGENT, R.QUALITY_OFFICER, R.BUREAU_INSPECTOR, R.BUREAU_ADMIN),
	"HSQ Follow Up": (R.FOLLOW_UP_AGENT, R.QUALITY_OFFICER, R.BUREAU_INSPECTOR, R.BUREAU_ADMIN),
	"HSQ Spot Check": (R.BUREAU_INSPECTOR, R.BUREAU_ADMIN),  # spot checks call patients back
}
ALWAYS_CLEAR = ("System Manager",)


def personal_fields(doctype: str) -> set[str]:
	"""Fields of a DocType that carry personal data: those above permlevel 0."""
	return {df.fieldname for df in frappe.get_meta(doctype).fields if df.permlevel and df.fieldname}


def phone_fields(doctype: str) -> set[str]:
	return {
		df.fieldname
		for df in frappe.get_meta(doctype).fields
		if df.permlevel and (df.options == "Phone" or df.fieldname.endswith("phone"))
	}


def masked_fields(doctype: str, parenttype: str | None, user: str) -> set[str]:
	"""Phone fields the user reads, but masked, in results of queries (lists, search, reports)."""
	phones = phone_fields(doctype)
	if not phones or user == "Administrator":
		return set()
	owner = parenttype if frappe.get_meta(doctype).istable else doctype
	roles = set(frappe.get_roles(user))
	if roles & {*CALLERS.get(owner, ()), *ALWAYS_CLEAR}:
		return set()
	return phones


def mask(value):
	"""138****8000: the first three and last four characters; short values entirely."""
	if value in (None, ""):
		return value
	text = str(value)
	return f"{text[:3]}****{text[-4:]}" if len(text) >= 8 else "****"


@frappe.whitelist(methods=["POST"])
def reveal(doctype: str, name: str, fieldname: str) -> str | None:
	"""Show one personal-data value in clear to a user who may read it; the Access Log keeps it."""
	from hsq_app.security.access_log import note

	if doctype not in PERSONAL_DATA_DOCTYPES or fieldname not in personal_fields(doctype):
		frappe.throw(_("Only personal data fields can be shown this way"), frappe.PermissionError)
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("read")
	if not doc.has_permlevel_access_to(fieldname, permission_type="read"):
		frappe.throw(
			_("You may not see {0}").format(_(doc.meta.get_label(fieldname))), frappe.PermissionError
		)
	note(doctype, name, method="Reveal", columns=fieldname, once_per_request=False)
	return doc.get(fieldname)

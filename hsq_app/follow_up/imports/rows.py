"""One validation for every door that records a discharge: a row (a dict keyed by FIELDS, as the
API sends it or an uploaded file's header maps it) becomes clean values or a list of errors."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

import frappe
from frappe import _, _lt
from frappe.utils import getdate, today

from hsq_app.hsq_setup.departments import department_mismatch
from hsq_app.utils.text import plain_text

EARLIEST_DISCHARGE = date(2000, 1, 1)
MAX_LENGTH = 140
ERROR_SEPARATOR = "；"

FIELDS = (
	"patient_name",
	"medical_record_no",
	"patient_phone",
	"institution",
	"department",
	"attending_staff",
	"admission_date",
	"discharge_date",
	"is_special",
	"diagnosis",
)

# column headers accepted in uploaded files, besides the field names themselves (HIS exports vary)
HEADER_ALIASES = {
	"patient_name": ("患者姓名", "姓名", "Patient Name"),
	"medical_record_no": ("病案号", "住院号", "病历号", "Medical Record No"),
	"patient_phone": ("联系电话", "电话", "手机号", "手机号码", "Patient Phone"),
	"institution": ("机构", "医疗机构", "Institution"),
	"department": ("科室", "出院科室", "Department"),
	"attending_staff": ("主管医生", "主治医师", "经治医生", "Attending Staff"),
	"admission_date": ("入院日期", "Admission Date"),
	"discharge_date": ("出院日期", "Discharge Date"),
	"is_special": ("特殊患者", "重点患者", "Special Patient"),
	"diagnosis": ("出院诊断", "诊断", "Discharge Diagnosis"),
}

# fields limited to MAX_LENGTH characters, with their labels (translated when an error says so)
LIMITED_LABELS = {"patient_name": _lt("Patient name"), "medical_record_no": _lt("Medical record number")}

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")  # area code with its 0, then 7-8 digits
PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "√"}
FALSE_WORDS = {"0", "false", "no", "n", "否", ""}


class ImportContext:
	"""Institutions, departments and staff the rows refer to, loaded in three queries."""

	def __init__(self, institution_names: Iterable[str]):
		names = sorted({n for n in institution_names if n})
		self.institutions = {
			r.name: r
			for r in frappe.get_all(
				"HSQ Institution", filters={"name": ("in", names or [""])}, fields=["name", "disabled"]
			)
		}
		known = list(self.institutions) or [""]
		self.departments: dict[str, frappe._dict] = {}
		self.department_by_label: dict[tuple[str, str], str] = {}
		for d in frappe.get_all(
			"HSQ Department",
			filters={"institution": ("in", known)},
			fields=["name", "department_name", "institution", "disabled"],
		):
			self.departments[d.name] = d
			self.department_by_label[(d.institution, d.department_name)] = d.name
		self.staff: dict[str, frappe._dict] = {}
		self.staff_by_label: dict[tuple[str, str], list[str]] = defaultdict(list)
		for s in frappe.get_all(
			"HSQ Staff", filters={"institution": ("in", known)}, fields=["name", "staff_name", "institution"]
		):
			self.staff[s.name] = s
			self.staff_by_label[(s.institution, s.staff_name)].append(s.name)

	def department(self, value: str, institution: str) -> tuple[str | None, str | None]:
		"""(department ID, error) for a department given by ID or by its name within the institution."""
		dept = self.departments.get(value)
		if dept is None:
			name = self.department_by_label.get((institution, value))
			dept = self.departments.get(name) if name else None
		if dept is None:
			return None, department_mismatch(value, institution)
		if problem := department_mismatch(dept.name, institution, owner=dept.institution):
			return None, problem
		if dept.disabled:
			return None, _("Department {0} is disabled").format(value)
		return dept.name, None

	def attending_staff(self, value: str, institution: str) -> tuple[str | None, str | None]:
		"""(HSQ Staff ID, error) for a staff member given by ID or by name within the institution."""
		staff = self.staff.get(value)
		if staff is not None:
			if staff.institution != institution:
				return None, _("Attending staff {0} is not a staff member of institution {1}").format(
					value, institution
				)
			return staff.name, None
		matches = self.staff_by_label.get((institution, value), [])
		if len(matches) == 1:
			return matches[0], None
		if len(matches) > 1:
			return None, _(
				"Attending staff name {0} matches several staff members of institution {1}; use the staff ID"
			).format(value, institution)
		return None, _("Attending staff {0} is not a staff member of institution {1}").format(
			value, institution
		)


def _text(value) -> str:
	"""Cell value as plain text (hsq_app.utils.text): Excel gives numbers for medical record
	numbers and phones; a HIS export is an integration's input, never markup."""
	if value is None:
		return ""
	if isinstance(value, float) and value.is_integer():
		value = int(value)
	return plain_text(str(value)) or ""


def parse_date(value) -> date | None:
	"""A date from a date, a datetime or text in the usual Chinese spellings; None if unreadable."""
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	text = _text(value)
	if " " in text:  # "2026-03-14 10:30:00" from HIS exports: the day is what counts
		text = text.split(" ", 1)[0]
	if len(text) == 10 and text[4] == text[7] == "-":  # the usual spelling, without strptime
		try:
			return date.fromisoformat(text)
		except ValueError:
			return None
	for fmt in DATE_FORMATS:
		try:
			return datetime.strptime(text, fmt).date()
		except ValueError:
			continue
	return None


def normalize_phone(value) -> str | None:
	"""11-digit mobile or landline with area code (digits only); None if it is neither."""
	digits = PHONE_SEPARATORS.sub("", _text(value))
	if digits.startswith("+86"):
		digits = digits[3:]
	elif digits.startswith("86") and len(digits) == 13:
		digits = digits[2:]
	if MOBILE.match(digits) or LANDLINE.match(digits):
		return digits
	return None


def parse_flag(value) -> int | None:
	if isinstance(value, bool):
		return int(value)
	text = _text(value).lower()
	if text in TRUE_WORDS:
		return 1
	if text in FALSE_WORDS:
		return 0
	return None


def clean_record(
	raw,
	context: ImportContext,
	*,
	allowed_institutions: set[str] | None = None,
	default_institution: str | None = None,
	on: date | None = None,
) -> tuple[dict, list[str]]:
	"""(clean values, readable errors) for one row. ``allowed_institutions`` None means any."""
	if not isinstance(raw, dict):
		return {}, [_("This row is not a record (an object of field names and values)")]
	values: dict = {}
	errors: list[str] = []
	_check_patient(raw, values, errors)
	institution_ok = _check_institution(
		raw, values, errors, context, allowed_institutions, default_institution
	)
	_check_department_and_staff(raw, values, errors, context, institution_ok)
	_check_dates(raw, values, errors, on or getdate(today()))
	special = parse_flag(raw.get("is_special"))
	values["is_special"] = special or 0
	if special is None:
		errors.append(
			_("Special patient must be 1 or 0 (是 or 否), not {0}").format(_text(raw.get("is_special")))
		)
	return values, errors


def _check_patient(raw: dict, values: dict, errors: list) -> None:
	for field in ("patient_name", "medical_record_no", "diagnosis"):
		values[field] = _text(raw.get(field))
		if len(values[field]) > MAX_LENGTH and field in LIMITED_LABELS:
			# labels translated only for an error: three lookups a row were a tenth of an import
			errors.append(_("{0} is longer than {1} characters").format(LIMITED_LABELS[field], MAX_LENGTH))
	if not values["patient_name"]:
		errors.append(_("Patient name is missing"))
	if not values["medical_record_no"]:
		errors.append(_("Medical record number is missing"))
	phone = _text(raw.get("patient_phone"))
	if not phone:
		errors.append(_("Phone number is missing"))
	else:
		values["patient_phone"] = normalize_phone(phone)
		if not values["patient_phone"]:
			errors.append(_("Phone number {0} is not a valid mobile or landline number").format(phone))


def _check_institution(raw, values, errors, context, allowed_institutions, default_institution) -> bool:
	"""True when the row's institution exists, is enabled and is the caller's to import for."""
	institution = _text(raw.get("institution")) or (default_institution or "")
	values["institution"] = institution
	if not institution:
		errors.append(_("Institution is missing"))
	elif institution not in context.institutions:
		errors.append(_("Institution {0} does not exist").format(institution))
	elif context.institutions[institution].disabled:
		errors.append(_("Institution {0} is disabled").format(institution))
	elif allowed_institutions is not None and institution not in allowed_institutions:
		errors.append(_("You may not import discharges for institution {0}").format(institution))
	else:
		return True
	return False


def _check_department_and_staff(raw, values, errors, context, institution_ok: bool) -> None:
	institution = values["institution"]
	department = _text(raw.get("department"))
	if not department:
		errors.append(_("Department is missing"))
	elif institution_ok:
		values["department"], error = context.department(department, institution)
		if error:
			errors.append(error)
	staff = _text(raw.get("attending_staff"))
	values["attending_staff"] = None
	if staff and institution_ok:
		values["attending_staff"], error = context.attending_staff(staff, institution)
		if error:
			errors.append(error)


def _check_dates(raw: dict, values: dict, errors: list, on: date) -> None:
	discharge = raw.get("discharge_date")
	values["discharge_date"] = parse_date(discharge)
	if not _text(discharge):
		errors.append(_("Discharge date is missing"))
	elif values["discharge_date"] is None:
		errors.append(_("Discharge date {0} is not a date (use YYYY-MM-DD)").format(_text(discharge)))
	elif values["discharge_date"] > on:
		errors.append(_("Discharge date {0} is in the future").format(values["discharge_date"]))
	elif values["discharge_date"] < EARLIEST_DISCHARGE:
		errors.append(
			_("Discharge date {0} is before {1}").format(values["discharge_date"], EARLIEST_DISCHARGE)
		)
	admission = raw.get("admission_date")
	values["admission_date"] = parse_date(admission) if _text(admission) else None
	if _text(admission) and values["admission_date"] is None:
		errors.append(_("Admission date {0} is not a date (use YYYY-MM-DD)").format(_text(admission)))
	elif (
		values["admission_date"]
		and values["discharge_date"]
		and values["admission_date"] > values["discharge_date"]
	):
		errors.append(
			_("Admission date {0} is after the discharge date {1}").format(
				values["admission_date"], values["discharge_date"]
			)
		)


def record_key(values) -> tuple[str, str, date]:
	return (values["institution"], values["medical_record_no"], getdate(values["discharge_date"]))

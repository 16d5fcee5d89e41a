"""Discharge imports: one validation for every door, bulk storage of the valid rows.

The API (:func:`hsq_app.api.follow_up.import_discharges`), the desk's CSV/Excel upload
(HSQ Discharge Import) and a single HSQ Discharge Record saved in the form all validate a row
with :func:`clean_record`. Imports then store the valid rows and their follow-ups with
``frappe.db.bulk_insert`` (a handful of INSERTs for thousands of rows) inside the caller's
transaction: invalid and duplicate rows are reported by index and never stored, and an error
while storing rolls the whole batch back, so nothing is ever stored half-way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime

import frappe
from frappe import _
from frappe.model.naming import parse_naming_series
from frappe.query_builder import DocType
from frappe.utils import cint, getdate, now_datetime, today

from hsq_app.follow_up import stats
from hsq_app.follow_up.scheduling import Assigner, FollowUpSettings, plan_stages, working_day_checker
from hsq_app.permissions import visible_institutions
from hsq_app.utils.text import plain_text

DISCHARGE = "HSQ Discharge Record"
FOLLOW_UP = "HSQ Follow Up"
DISCHARGE_SERIES = "DR-.YYYY.-.######"
FOLLOW_UP_SERIES = "FU-.YYYY.-.#######"
EARLIEST_DISCHARGE = date(2000, 1, 1)
CHUNK = 2000  # rows per INSERT statement (well under max_allowed_packet)
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

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")  # area code with its 0, then 7-8 digits
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
			other = frappe.db.get_value("HSQ Department", value, "institution")
			if other:
				return None, _("Department {0} belongs to {1}, not to {2}").format(value, other, institution)
			return None, _("Department {0} does not exist in institution {1}").format(value, institution)
		if dept.institution != institution:
			return None, _("Department {0} belongs to {1}, not to {2}").format(
				value, dept.institution, institution
			)
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
	for fmt in DATE_FORMATS:
		try:
			return datetime.strptime(text, fmt).date()
		except ValueError:
			continue
	return None


def normalize_phone(value) -> str | None:
	"""11-digit mobile or landline with area code (digits only); None if it is neither."""
	digits = re.sub(r"[\s\-()（）]", "", _text(value))
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
	on = on or getdate(today())
	errors: list[str] = []
	values: dict = {}

	for field, label in (
		("patient_name", _("Patient name")),
		("medical_record_no", _("Medical record number")),
		("diagnosis", _("Diagnosis")),
	):
		values[field] = _text(raw.get(field))
		if len(values[field]) > MAX_LENGTH and field != "diagnosis":
			errors.append(_("{0} is longer than {1} characters").format(label, MAX_LENGTH))
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

	institution = _text(raw.get("institution")) or (default_institution or "")
	values["institution"] = institution
	institution_ok = False
	if not institution:
		errors.append(_("Institution is missing"))
	elif institution not in context.institutions:
		errors.append(_("Institution {0} does not exist").format(institution))
	elif context.institutions[institution].disabled:
		errors.append(_("Institution {0} is disabled").format(institution))
	elif allowed_institutions is not None and institution not in allowed_institutions:
		errors.append(_("You may not import discharges for institution {0}").format(institution))
	else:
		institution_ok = True

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

	special = parse_flag(raw.get("is_special"))
	values["is_special"] = special or 0
	if special is None:
		errors.append(
			_("Special patient must be 1 or 0 (是 or 否), not {0}").format(_text(raw.get("is_special")))
		)

	return values, errors


def record_key(values) -> tuple[str, str, date]:
	return (values["institution"], values["medical_record_no"], getdate(values["discharge_date"]))


def existing_discharges(keys: Iterable[tuple[str, str, date]]) -> dict[tuple, str]:
	"""{(institution, medical record no, discharge date): name} of the keys already stored."""
	keys = set(keys)
	by_institution: dict[str, set[str]] = defaultdict(set)
	for institution, mrn, _day in keys:
		by_institution[institution].add(mrn)
	found = {}
	dr = DocType(DISCHARGE)
	for institution, mrns in by_institution.items():
		mrns = sorted(mrns)
		for start in range(0, len(mrns), 1000):
			rows = (
				frappe.qb.from_(dr)
				.select(dr.name, dr.medical_record_no, dr.discharge_date)
				.where(
					(dr.institution == institution) & dr.medical_record_no.isin(mrns[start : start + 1000])
				)
				.run(as_dict=True)
			)
			for r in rows:
				key = (institution, r.medical_record_no, getdate(r.discharge_date))
				if key in keys:
					found[key] = r.name
	return found


def reserve_names(series: str, count: int) -> list[str]:
	"""``count`` consecutive names of an old-style naming series such as ``FU-.YYYY.-.#######``.

	The same ``tabSeries`` row that :func:`frappe.model.naming.getseries` increments by one is
	moved by ``count`` under the same row lock, so names never collide with single inserts.
	"""
	if count <= 0:
		return []
	captured = {}

	def hold(key, digits):
		captured.update(key=key, digits=digits)
		return "\0"

	template = parse_naming_series(series, number_generator=hold)
	key, digits = captured["key"], captured["digits"]
	table = DocType("Series")
	current = frappe.qb.from_(table).where(table.name == key).for_update().select(table.current).run()
	if current and current[0][0] is not None:
		start = cint(current[0][0])
		frappe.qb.update(table).set(table.current, start + count).where(table.name == key).run()
	else:
		start = 0
		frappe.qb.into(table).columns(table.name, table.current).insert(key, count).run()
	return [template.replace("\0", str(n).zfill(digits)) for n in range(start + 1, start + count + 1)]


def active_templates(institutions: Iterable[str]) -> dict[str, str | None]:
	"""{institution: questionnaire template}: the institution's own active one, else the county's."""
	rows = frappe.get_all(
		"HSQ Questionnaire Template",
		filters={"is_active": 1},
		fields=["name", "institution"],
		order_by="modified desc",
	)
	county = next((r.name for r in rows if not r.institution), None)
	own = {}
	for r in rows:
		if r.institution and r.institution not in own:
			own[r.institution] = r.name
	return {i: own.get(i, county) for i in set(institutions)}


def initial_status(due_date: date, on: date) -> str:
	return "Overdue" if getdate(due_date) < on else "Pending"


def import_records(
	records: list,
	*,
	default_institution: str | None = None,
	source_import: str | None = None,
	progress: Callable[[int, str], None] | None = None,
) -> dict:
	"""Validate every row, store the valid ones with their follow-ups in bulk, report the rest.

	Returns ``{"created", "skipped_duplicates", "follow_ups", "invalid": [{"index", "error"}],
	"duplicates": [{"index", "error"}]}``; indexes are 0-based positions in ``records``.
	The caller must be allowed to create discharge records; rows for institutions the caller
	may not see are reported invalid.
	"""
	if not isinstance(records, list):
		frappe.throw(_("records must be a list of discharge records"))
	if not frappe.has_permission(DISCHARGE, "create"):
		frappe.throw(_("You are not allowed to import discharge records"), frappe.PermissionError)
	report = progress or (lambda percent, stage: None)
	allowed = visible_institutions()
	allowed = None if allowed is None else set(allowed)
	context = ImportContext(
		[_text(r.get("institution")) or default_institution for r in records if isinstance(r, dict)]
	)
	on = getdate(today())

	invalid, duplicates, valid = [], [], []
	first_seen: dict[tuple, int] = {}
	for index, raw in enumerate(records):
		values, errors = clean_record(
			raw, context, allowed_institutions=allowed, default_institution=default_institution, on=on
		)
		if errors:
			invalid.append({"index": index, "error": ERROR_SEPARATOR.join(errors)})
			continue
		key = record_key(values)
		if key in first_seen:
			duplicates.append(
				{
					"index": index,
					"error": _(
						"Same institution, medical record number and discharge date as an earlier row"
					),
				}
			)
			continue
		first_seen[key] = index
		valid.append(values)
		if index and index % 2000 == 0:
			report(int(40 * index / len(records)), _("Validating rows"))

	existing = existing_discharges(first_seen)
	new = []
	for values in valid:
		key = record_key(values)
		if key in existing:
			duplicates.append(
				{
					"index": first_seen[key],
					"error": _("Already imported as discharge record {0}").format(existing[key]),
				}
			)
		else:
			new.append(values)
	duplicates.sort(key=lambda d: d["index"])
	report(50, _("Scheduling follow-ups"))
	follow_ups = store(new, source_import=source_import, on=on, progress=report)
	report(100, _("Done"))
	return {
		"created": len(new),
		"skipped_duplicates": len(duplicates),
		"follow_ups": follow_ups,
		"invalid": invalid,
		"duplicates": duplicates,
	}


def store(
	rows: list[dict],
	*,
	source_import: str | None = None,
	on: date | None = None,
	progress: Callable[[int, str], None] | None = None,
) -> int:
	"""Bulk-insert clean discharge rows and their scheduled follow-ups; returns the follow-ups made."""
	if not rows:
		return 0
	on = on or getdate(today())
	settings = FollowUpSettings.load()
	is_working_day = working_day_checker(settings.calendar)
	institutions = {r["institution"] for r in rows}
	assigner = Assigner(settings.assignment, institutions, (r["attending_staff"] for r in rows))
	templates = active_templates(institutions)
	now, user = now_datetime(), frappe.session.user
	standard = (now, now, user, user, 0, 0)

	discharge_names = reserve_names(DISCHARGE_SERIES, len(rows))
	plans = [plan_stages(r["discharge_date"], r["is_special"], settings, is_working_day) for r in rows]
	follow_up_names = iter(reserve_names(FOLLOW_UP_SERIES, sum(len(p) for p in plans)))

	discharge_values, follow_up_values = [], []
	for name, row, stages in zip(discharge_names, rows, plans, strict=True):
		discharge_values.append((name, *standard, *(row[f] for f in FIELDS), source_import))
		agent = assigner.assign(row["institution"], row["attending_staff"], len(stages))
		for stage_days, due_date in stages:
			follow_up_values.append(
				(
					next(follow_up_names),
					*standard,
					name,
					row["patient_name"],
					row["patient_phone"],
					row["is_special"],
					row["institution"],
					row["department"],
					row["discharge_date"],
					stage_days,
					due_date,
					agent,
					initial_status(due_date, on),
					"Phone",
					0,
					0,
					templates.get(row["institution"]),
				)
			)
	standard_columns = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx"]
	frappe.db.bulk_insert(
		DISCHARGE, [*standard_columns, *FIELDS, "source_import"], discharge_values, chunk_size=CHUNK
	)
	if progress:
		progress(70, _("Storing follow-ups"))
	frappe.db.bulk_insert(
		FOLLOW_UP,
		[
			*standard_columns,
			"discharge_record",
			"patient_name",
			"patient_phone",
			"is_special",
			"institution",
			"department",
			"discharge_date",
			"stage_days",
			"due_date",
			"assigned_to",
			"status",
			"channel",
			"attempts",
			"overall_satisfaction",
			"questionnaire_template",
		],
		follow_up_values,
		chunk_size=CHUNK,
	)
	# the per-day figures the coverage reports add up (institution, due date of each row)
	stats.follow_ups_inserted([(v[11], v[15]) for v in follow_up_values])
	return len(follow_up_values)


def schedule_for_record(doc) -> list[str]:
	"""The one-document path: follow-ups for a discharge record saved in the form, one insert each."""
	settings = FollowUpSettings.load()
	stages = plan_stages(doc.discharge_date, doc.is_special, settings, working_day_checker(settings.calendar))
	agent = Assigner(settings.assignment, [doc.institution], [doc.attending_staff]).assign(
		doc.institution, doc.attending_staff, len(stages)
	)
	template = active_templates([doc.institution]).get(doc.institution)
	on = getdate(today())
	names = []
	for stage_days, due_date in stages:
		follow_up = frappe.get_doc(
			{
				"doctype": FOLLOW_UP,
				"discharge_record": doc.name,
				"stage_days": stage_days,
				"due_date": due_date,
				"assigned_to": agent,
				"status": initial_status(due_date, on),
				"questionnaire_template": template,
			}
		)
		# scheduling is the system's consequence of the discharge the user may record
		follow_up.insert(ignore_permissions=True)
		names.append(follow_up.name)
	return names


# ------------------------------------------------------------------------------------------------
# files (the desk's upload)
# ------------------------------------------------------------------------------------------------


def read_file_rows(content: bytes | str, filename: str) -> list[list]:
	"""Rows of cells from CSV (UTF-8 or GB18030, as Chinese HIS exports are) or Excel content."""
	lower = (filename or "").lower()
	if isinstance(content, str):  # File.get_content decodes what is valid UTF-8
		content = content.encode("utf-8")
	if lower.endswith(".xlsx"):
		from frappe.utils.xlsxutils import read_xlsx_file_from_attached_file

		return read_xlsx_file_from_attached_file(fcontent=content) or []
	if lower.endswith(".xls"):
		from frappe.utils.xlsxutils import read_xls_file_from_attached_file

		return read_xls_file_from_attached_file(content)
	if not lower.endswith(".csv"):
		frappe.throw(_("Upload a CSV or Excel file (.csv, .xlsx, .xls)"))
	import csv
	import io

	text = None
	for encoding in ("utf-8-sig", "gb18030"):
		try:
			text = content.decode(encoding)
			break
		except UnicodeDecodeError:
			continue
	if text is None:
		frappe.throw(_("The file is neither UTF-8 nor GB18030 text"))
	return [row for row in csv.reader(io.StringIO(text))]


def header_map() -> dict[str, str]:
	mapping = {f: f for f in FIELDS}
	for field, aliases in HEADER_ALIASES.items():
		for alias in aliases:
			mapping[alias.strip().lower()] = field
	return mapping


def rows_to_records(rows: list[list]) -> tuple[list[dict], list[int], list[str]]:
	"""(records, their line numbers in the file, unknown headers); the first non-empty row is the header."""
	lines = [(n, r) for n, r in enumerate(rows, start=1) if r and any(_text(c) for c in r)]
	if not lines:
		return [], [], []
	mapping = header_map()
	header = [_text(c) for c in lines[0][1]]
	fields = [mapping.get(h.lower()) for h in header]
	if "discharge_date" not in fields or "medical_record_no" not in fields:
		frappe.throw(
			_("The first row must be the header, with at least the columns {0} and {1}").format(
				"medical_record_no (病案号)", "discharge_date (出院日期)"
			)
		)
	unknown = [h for h, f in zip(header, fields, strict=True) if h and not f]
	records, line_numbers = [], []
	for n, row in lines[1:]:
		records.append({f: row[i] if i < len(row) else None for i, f in enumerate(fields) if f})
		line_numbers.append(n)
	return records, line_numbers, unknown

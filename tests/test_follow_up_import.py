"""Discharge imports through the API and the desk upload: row-by-row validation, nothing half-stored."""

from datetime import date, datetime

import frappe
import pytest
from factories import as_user, discharge_by_mrn, discharge_row, follow_ups_of, make_user, set_settings, uid

from hsq_app import roles as R
from hsq_app.api.follow_up import import_discharges
from hsq_app.follow_up.imports.rows import normalize_phone, parse_date


def stored(institution, rows):
	return [bool(discharge_by_mrn(institution, r["medical_record_no"])) for r in rows]


def test_phone_and_date_parsing():
	assert normalize_phone("138 0013 8000") == "13800138000"
	assert normalize_phone("+86 138-0013-8000") == "13800138000"
	assert normalize_phone("0571-8888 6666") == "057188886666"
	assert normalize_phone("(010)12345678") == "01012345678"
	for bad in ("12345", "23800138000", "1380013800", "phone", "138001380001"):
		assert normalize_phone(bad) is None, bad
	assert parse_date("2026-03-01") == date(2026, 3, 1)
	assert parse_date("2026/3/1") == date(2026, 3, 1)
	assert parse_date("2026年3月1日") == date(2026, 3, 1)
	assert parse_date("2026-03-01 10:20:00") == date(2026, 3, 1)
	assert parse_date(datetime(2026, 3, 1, 9, 0)) == date(2026, 3, 1)
	assert parse_date("2026-02-30") is None
	assert parse_date("03/01/2026") is None


def test_bad_rows_are_reported_by_index_and_only_valid_ones_stored(shared_world):
	w = shared_world
	set_settings(follow_up_offsets="0,7,30")
	a, d1 = w.a.institution, w.a.dept1
	good = discharge_row(a, d1, "2026-03-02")
	by_department_name = discharge_row(a, "外科", "2026-03-03")
	rows = [
		good,  # 0
		discharge_row(a, d1, "2026-03-02", patient_phone="12345"),  # 1 bad phone
		discharge_row(a, d1, "2099-01-01"),  # 2 future
		discharge_row(a, d1, "2026-13-01"),  # 3 not a date
		discharge_row("没有这个医院", d1, "2026-03-02"),  # 4 unknown institution
		discharge_row(a, w.b.dept1, "2026-03-02"),  # 5 department of another institution
		dict(good),  # 6 repeats row 0 in the batch
		by_department_name,  # 7 valid, department by name
		{**discharge_row(a, d1, "2026-03-02"), "patient_name": "", "patient_phone": ""},  # 8 two errors
		"not a record",  # 9
		discharge_row(a, d1, "2026-03-05", admission_date="2026-03-09"),  # 10 admitted after discharge
		discharge_row(a, d1, "2026-03-05", is_special="maybe"),  # 11
	]
	result = import_discharges(rows)
	assert result["created"] == 2 and result["follow_ups"] == 6
	assert result["skipped_duplicates"] == 1 and [d["index"] for d in result["duplicates"]] == [6]
	assert [i["index"] for i in result["invalid"]] == [1, 2, 3, 4, 5, 8, 9, 10, 11]
	errors = {i["index"]: i["error"] for i in result["invalid"]}
	assert "12345" in errors[1] and "2099-01-01" in errors[2] and "没有这个医院" in errors[4]
	assert w.b.dept1 in errors[5] and "；" in errors[8]
	assert stored(a, rows[:1] + rows[7:8]) == [True, True]
	assert stored(a, [rows[i] for i in (1, 2, 3, 5, 10, 11)]) == [False] * 6
	record = frappe.get_doc(
		"HSQ Discharge Record", discharge_by_mrn(a, by_department_name["medical_record_no"])
	)
	assert record.department == w.a.dept2


def test_reasons_read_in_chinese(shared_world):
	w = shared_world
	frappe.local.lang = "zh"
	try:
		result = import_discharges(
			[discharge_row(w.a.institution, w.a.dept1, "2026-03-02", patient_phone="12")]
		)
	finally:
		frappe.local.lang = "en"
	assert "联系电话" in result["invalid"][0]["error"]


def test_a_second_import_skips_what_is_stored(shared_world):
	w = shared_world
	rows = [discharge_row(w.a.institution, w.a.dept1, "2026-03-02") for _ in range(3)]
	first = import_discharges(rows[:2])
	assert first["created"] == 2
	second = import_discharges(rows)
	assert second["created"] == 1 and second["skipped_duplicates"] == 2
	assert [d["index"] for d in second["duplicates"]] == [0, 1]
	assert frappe.db.count("HSQ Discharge Record", {"medical_record_no": rows[0]["medical_record_no"]}) == 1
	# the same patient discharged again another day is a new stay
	again = import_discharges([{**rows[0], "discharge_date": "2026-04-02"}])
	assert again["created"] == 1


def test_an_agent_imports_only_for_their_institution(shared_world):
	w = shared_world
	rows = [
		discharge_row(w.a.institution, w.a.dept1, "2026-03-02"),
		discharge_row(w.b.institution, w.b.dept1, "2026-03-02"),
	]
	as_user(w.a.agent)
	result = import_discharges(rows)
	assert result["created"] == 1 and [i["index"] for i in result["invalid"]] == [1]
	assert w.b.institution in result["invalid"][0]["error"]
	frappe.set_user("Administrator")
	assert stored(w.a.institution, rows[:1]) == [True]
	assert stored(w.b.institution, rows[1:]) == [False]
	names = frappe.get_all(
		"HSQ Discharge Record", {"medical_record_no": rows[0]["medical_record_no"]}, ["owner"]
	)
	assert names[0].owner == w.a.agent


def test_only_roles_that_record_discharges_may_import(shared_world):
	w = shared_world
	for user in (w.a.officer, w.a.handler1, make_user(R.INTAKE_INTEGRATION)):
		as_user(user)
		with pytest.raises(frappe.PermissionError):
			import_discharges([discharge_row(w.a.institution, w.a.dept1, "2026-03-02")])


def test_import_through_the_http_door(shared_world):
	"""POST /api/method/hsq_app.api.follow_up.import_discharges with a JSON body, as the handler runs it."""
	from frappe.handler import execute_cmd

	w = shared_world
	rows = [discharge_row(w.a.institution, w.a.dept1, "2026-03-02"), {"patient_name": "缺东西"}]
	as_user(w.a.agent)
	frappe.local.form_dict = frappe._dict(records=frappe.as_json(rows))
	frappe.local.request = frappe._dict(method="POST")
	try:
		result = execute_cmd("hsq_app.api.follow_up.import_discharges")
	finally:
		del frappe.local.request
	assert result["created"] == 1 and result["follow_ups"] >= 1 and result["invalid"][0]["index"] == 1
	frappe.local.request = frappe._dict(method="GET")
	try:
		with pytest.raises(frappe.PermissionError):
			execute_cmd("hsq_app.api.follow_up.import_discharges")
	finally:
		del frappe.local.request


def test_a_failure_while_storing_leaves_nothing(shared_world, monkeypatch):
	"""The batch is one transaction: the request's rollback takes the discharges with it."""
	w = shared_world
	rows = [discharge_row(w.a.institution, w.a.dept1, "2026-03-02") for _ in range(2)]
	frappe.db.commit()  # a clean point, as at the start of a request
	from hsq_app.follow_up import store

	def failing(doctype, *args, **kwargs):
		raise frappe.ValidationError("disk full")

	# the follow-ups are stored after the discharges, through the follow-up door
	monkeypatch.setattr(store, "insert_rows", failing)
	with pytest.raises(frappe.ValidationError):
		import_discharges(rows)
	frappe.db.rollback()  # what the request handler does on an exception
	assert stored(w.a.institution, rows) == [False, False]


def _attach(content: bytes, filename: str) -> str:
	file = frappe.get_doc(
		{"doctype": "File", "file_name": filename, "content": content, "is_private": 1}
	).insert(ignore_permissions=True)
	return file.file_url


def _upload(content: bytes, filename: str, institution=None):
	from hsq_app.api.follow_up import start_discharge_import

	doc = frappe.get_doc(
		{
			"doctype": "HSQ Discharge Import",
			"import_file": _attach(content, filename),
			"institution": institution,
		}
	).insert()
	start_discharge_import(doc.name)
	return frappe.get_doc("HSQ Discharge Import", doc.name)


def test_desk_upload_of_a_gbk_csv_reports_row_by_row(shared_world):
	w = shared_world
	as_user(w.a.agent)
	mrn = uid("ZY")
	csv_text = (
		"患者姓名,病案号,联系电话,科室,出院日期,特殊患者,备注\n"
		f"王五,{mrn}1,13900139000,内科,2026-03-02,否,\n"
		f"赵六,{mrn}2,139,内科,2026-03-02,是,\n"
		"\n"
		f"王五,{mrn}1,13900139000,内科,2026-03-02,否,\n"
		f"钱七,{mrn}3,13900139001,外科,2026/3/4,1,\n"
	)
	imp = _upload(csv_text.encode("gb18030"), "出院名单.csv")
	assert imp.institution == w.a.institution  # the agent's own, for rows without one
	assert (imp.total_rows, imp.created, imp.invalid_rows, imp.skipped_duplicates) == (4, 2, 1, 1)
	assert imp.status == "Partially Completed"
	assert [(r.row_no, r.outcome) for r in imp.rows] == [(3, "Invalid"), (5, "Duplicate")]
	assert "139" in imp.rows[0].message and imp.rows[0].patient_name == "赵六"
	assert "备注" in imp.error_message  # the unknown column is named, not silently lost
	special = discharge_by_mrn(w.a.institution, f"{mrn}3")
	assert frappe.db.get_value("HSQ Discharge Record", special, "source_import") == imp.name
	assert len(follow_ups_of(special)) > 3  # a special patient


def test_desk_upload_of_an_excel_file(shared_world):
	from frappe.utils.xlsxutils import make_xlsx

	w = shared_world
	mrn = uid("ZY")
	data = [
		["patient_name", "medical_record_no", "patient_phone", "institution", "department", "discharge_date"],
		["孙八", f"{mrn}", 13700137000, w.a.institution, "内科", datetime(2026, 3, 2)],
	]
	imp = _upload(make_xlsx(data, "出院").getvalue(), "discharges.xlsx")
	assert (imp.created, imp.invalid_rows, imp.status) == (1, 0, "Completed")
	assert frappe.db.get_value(
		"HSQ Discharge Record", discharge_by_mrn(w.a.institution, mrn), "patient_phone"
	) == ("13700137000")


def test_a_big_upload_goes_to_the_background_worker(shared_world):
	w = shared_world
	lines = ["medical_record_no,patient_name,patient_phone,department,discharge_date"]
	prefix = uid("BIG")
	lines += [f"{prefix}{i},患者{i},13800138000,内科,2026-03-02" for i in range(501)]
	imp = _upload("\n".join(lines).encode(), "big.csv", institution=w.a.institution)
	assert imp.status == "Completed" and imp.created == 501 and imp.follow_ups >= 501


def test_a_saved_record_is_validated_like_an_imported_one(shared_world):
	w = shared_world
	base = {
		"doctype": "HSQ Discharge Record",
		"patient_name": "周九",
		"medical_record_no": uid("ZY"),
		"patient_phone": "13800138000",
		"institution": w.a.institution,
		"department": w.a.dept1,
		"discharge_date": "2026-03-02",
	}
	with pytest.raises(frappe.ValidationError):
		frappe.get_doc({**base, "patient_phone": "110"}).insert()
	with pytest.raises(frappe.ValidationError):
		frappe.get_doc({**base, "department": w.b.dept1}).insert()
	frappe.get_doc(base).insert()
	with pytest.raises(frappe.DuplicateEntryError):
		frappe.get_doc(base).insert()
	with pytest.raises(frappe.ValidationError):
		frappe.delete_doc(
			"HSQ Discharge Record", discharge_by_mrn(w.a.institution, base["medical_record_no"])
		)

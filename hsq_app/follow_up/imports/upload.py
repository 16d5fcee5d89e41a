"""The desk's discharge upload (HSQ Discharge Import): a file through the same validation as the API."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from hsq_app.follow_up.imports.files import read_file_rows, rows_to_records
from hsq_app.follow_up.imports.rows import FIELDS, HEADER_ALIASES
from hsq_app.follow_up.imports.storage import import_records
from hsq_app.utils import jobs

IMPORT = "HSQ Discharge Import"
RUN_NOW_UP_TO = 500  # rows; bigger files go to a background worker and report progress


def job_id(name: str) -> str:
	return f"hsq-discharge-import::{name}"


def _file_rows(doc) -> list[list]:
	if not doc.import_file:
		frappe.throw(_("Attach the file to import first"))
	file = frappe.get_doc("File", {"file_url": doc.import_file})
	return read_file_rows(file.get_content(), file.file_name or doc.import_file)


def start(name: str) -> dict:
	"""The Import button: small files now, big ones enqueued (progress is published either way)."""
	doc = frappe.get_doc(IMPORT, name)
	doc.check_permission("write")
	if doc.status == "Queued" and jobs.forget_if_dead(job_id(name)):
		pass  # its worker was killed (or the job lost): nothing was stored (one transaction), retry
	elif doc.status == "Queued":
		frappe.throw(_("Import {0} is already queued or running").format(name))
	elif doc.status not in ("Not Started", "Failed"):
		frappe.throw(_("Import {0} has already run").format(name))
	if not frappe.has_permission("HSQ Discharge Record", "create"):
		frappe.throw(_("You are not allowed to import discharge records"), frappe.PermissionError)
	records, _lines, _unknown = rows_to_records(_file_rows(doc))
	if len(records) <= RUN_NOW_UP_TO:
		run(name)
		return {"queued": False}
	doc.db_set("status", "Queued")
	frappe.enqueue(
		"hsq_app.follow_up.imports.upload.run_in_background",
		queue="long",
		timeout=3600,
		job_id=job_id(name),
		deduplicate=not frappe.flags.in_test,
		enqueue_after_commit=True,
		now=frappe.flags.in_test,
		name=name,
	)
	return {"queued": True}


def run(name: str) -> None:
	"""Validate the file's rows, store the valid ones, record a row-by-row report on the import."""
	doc = frappe.get_doc(IMPORT, name)
	records, lines, unknown = rows_to_records(_file_rows(doc))

	def progress(percent, stage):
		frappe.publish_progress(
			percent, title=_("Importing discharges"), doctype=IMPORT, docname=name, description=stage
		)

	result = import_records(
		records, default_institution=doc.institution, source_import=name, progress=progress
	)
	rows = []
	for outcome, entries in (("Invalid", result["invalid"]), ("Duplicate", result["duplicates"])):
		for entry in entries:
			record = records[entry["index"]]
			rows.append(
				{
					"row_no": lines[entry["index"]],
					"medical_record_no": str(record.get("medical_record_no") or "")[:140],
					"patient_name": str(record.get("patient_name") or "")[:140],
					"outcome": outcome,
					"message": entry["error"],
				}
			)
	rows.sort(key=lambda r: r["row_no"])
	doc.set("rows", rows)
	doc.update(
		{
			"total_rows": len(records),
			"created": result["created"],
			"follow_ups": result["follow_ups"],
			"skipped_duplicates": result["skipped_duplicates"],
			"invalid_rows": len(result["invalid"]),
			"imported_at": now_datetime(),
			"error_message": _("Columns not recognised and ignored: {0}").format(", ".join(unknown))
			if unknown
			else None,
			"status": status_of(result, len(records)),
		}
	)
	doc.save()


def status_of(result: dict, total: int) -> str:
	if result["created"] and result["created"] + result["skipped_duplicates"] == total:
		return "Completed"
	if result["created"]:
		return "Partially Completed"
	return "Completed" if total and result["skipped_duplicates"] == total else "Failed"


def run_in_background(name: str) -> None:
	try:
		run(name)
	except Exception as e:
		frappe.db.rollback()  # nothing of the failed batch stays; the import records why
		frappe.db.set_value(IMPORT, name, {"status": "Failed", "error_message": str(e)[:1000]})
		frappe.db.commit()  # a background job: the failure itself must be kept
		raise


def template_csv() -> str:
	"""A CSV header (Chinese column names) and one example row."""
	headers = [HEADER_ALIASES[f][0] for f in FIELDS]
	example = [
		"张三",
		"ZY2026000123",
		"13800138000",
		"",
		"内科",
		"",
		"2026-03-01",
		"2026-03-10",
		"否",
		"肺炎",
	]
	return ",".join(headers) + "\n" + ",".join(example) + "\n"

"""Uploaded files (the desk's HSQ Discharge Import): CSV or Excel content to rows, rows to records
keyed by field through the header (HIS exports name their columns in many ways)."""

from __future__ import annotations

import frappe
from frappe import _

from hsq_app.follow_up.imports.rows import FIELDS, HEADER_ALIASES, _text


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

"""Printable QR posters (二维码海报) in Chinese: A4 for walls and a table card for counters, one page
per department (or the institution's own), each carrying its survey code. PDF via wkhtmltopdf."""

from __future__ import annotations

import base64
import io

import frappe
import pyqrcode
from frappe import _
from frappe.utils import escape_html, get_url
from frappe.utils.pdf import get_pdf

SIZES = {"A4": {"page-size": "A4"}, "Card": {"page-width": "100mm", "page-height": "140mm"}}


def qr_png(url: str, scale: int = 8) -> str:
	"""A QR code as a data: URI (PNG when pypng is there, SVG otherwise)."""
	code = pyqrcode.create(url, error="M")
	try:
		return "data:image/png;base64," + code.png_as_base64_str(scale=scale)
	except Exception:
		buf = io.BytesIO()
		code.svg(buf, scale=scale, xmldecl=False, svgns=True)
		return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def _page(institution: str, department: str | None, code: str, size: str) -> str:
	url = get_url(f"/survey/{code}")
	big = size == "A4"
	return f"""
	<div class="page {size}">
		<div class="inst">{escape_html(institution)}</div>
		<div class="dept">{escape_html(department or "")}</div>
		<div class="title">{escape_html(_("Satisfaction Survey"))}</div>
		<div class="lead">{escape_html(_("Scan with WeChat: one minute, anonymous"))}</div>
		<img class="qr" src="{qr_png(url, 10 if big else 6)}">
		<div class="code">{escape_html(_("Survey code"))}: {escape_html(code)}</div>
		<div class="foot">{escape_html(_("Your opinion goes straight to the department head and the hospital's leaders"))}</div>
	</div>"""


STYLE = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif; margin: 0; }
.page { text-align: center; page-break-after: always; }
.page.A4 { padding-top: 30mm; } .page.Card { padding-top: 8mm; }
.inst { font-size: 22pt; font-weight: bold; } .Card .inst { font-size: 13pt; }
.dept { font-size: 18pt; margin-top: 4mm; } .Card .dept { font-size: 12pt; margin-top: 1mm; }
.title { font-size: 34pt; font-weight: bold; margin: 12mm 0 4mm; color: #1a5fb4; } .Card .title { font-size: 18pt; margin: 4mm 0 2mm; }
.lead { font-size: 16pt; } .Card .lead { font-size: 10pt; }
.qr { width: 110mm; margin: 10mm auto; } .Card .qr { width: 62mm; margin: 4mm auto; }
.code { font-size: 14pt; letter-spacing: 2px; } .Card .code { font-size: 9pt; }
.foot { font-size: 12pt; color: #555; margin-top: 8mm; } .Card .foot { font-size: 8pt; margin-top: 2mm; }
"""


def posters_pdf(pages: list[tuple[str, str | None, str]], size: str = "A4") -> bytes:
	if size not in SIZES:
		frappe.throw(_("Poster size is A4 or Card"))
	body = "".join(_page(inst, dept, code, size) for inst, dept, code in pages)
	html = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head><body>{body}</body></html>'
	options = {
		"margin-top": "0",
		"margin-bottom": "0",
		"margin-left": "0",
		"margin-right": "0",
		**SIZES[size],
	}
	return get_pdf(html, options)


def pages_for(doctype: str, name: str) -> list[tuple[str, str | None, str]]:
	"""A department's poster, or an institution's own poster followed by one per active department."""
	if doctype == "HSQ Department":
		dept = frappe.db.get_value(
			"HSQ Department", name, ["institution", "department_name", "survey_code"], as_dict=True
		)
		return [(dept.institution, dept.department_name, dept.survey_code)]
	if doctype == "HSQ Institution":
		code = frappe.db.get_value("HSQ Institution", name, "survey_code")
		pages = [(name, None, code)] if code else []
		for d in frappe.get_all(
			"HSQ Department",
			filters={"institution": name, "disabled": 0},
			fields=["department_name", "survey_code"],
			order_by="department_name asc",
		):
			pages.append((name, d.department_name, d.survey_code))
		return pages
	frappe.throw(_("Posters are made for departments and institutions"))


@frappe.whitelist()
def download(doctype: str, name: str, size: str = "A4"):
	"""The poster PDF of a department or institution the user may read."""
	if doctype not in ("HSQ Department", "HSQ Institution"):
		frappe.throw(_("Posters are made for departments and institutions"), frappe.PermissionError)
	frappe.has_permission(doctype, "read", name, throw=True)
	frappe.local.response.filename = f"{name}-{size}.pdf"
	frappe.local.response.filecontent = posters_pdf(pages_for(doctype, name), size)
	frappe.local.response.type = "pdf"

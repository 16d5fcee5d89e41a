"""Writing one guest answer: the survey door's hot path, without the Document machinery.

The door (hsq_app.survey.answer) has already checked every value against the code's own records
and the questionnaire, so the answer and its items go into their tables with one multi-row INSERT
each, inside the request's transaction. What the HSQ Survey Response
controller does on insert is done here too, from the same functions: staff answers made anonymous
(``anonymize``), the call-back flag (``loop.flag``), the day cell (``stats.response_added``) and the
call-back task queued after commit (``loop.response_added``). Link validation, permission checks,
realtime list updates, global search and document versions are skipped: none applies to an answer
(no user opens it while it is written; answers are never edited or searched globally).

Staff answers keep no time of day anywhere (``creation``, ``modified``, ``submitted_at``, their
items and their day cell): the day is enough for every figure, and a time to the second could
point at the person.
"""

from __future__ import annotations

import frappe
from frappe.utils import cint, get_datetime, now_datetime

from hsq_app.survey import loop, stats
from hsq_app.survey.anonymity import anonymize, is_anonymous

RESPONSE = "HSQ Survey Response"
ANSWER = "HSQ Survey Answer"
RESPONSE_FIELDS = (
	"kind",
	"source",
	"institution",
	"department",
	"overall_score",
	"comment",
	"template",
	"template_version",
	"submitted_at",
	"follow_up",
	"wants_callback",
	"contact_phone",
	"needs_attention",
	"attention_reason",
	"outcome",
)
ANSWER_FIELDS = ("item", "area", "question", "score", "value")
INT_FIELDS = ("overall_score", "template_version", "wants_callback", "needs_attention")
META = ("name", "creation", "modified", "owner", "modified_by", "docstatus", "idx")


def insert_answer(values: dict, rows: list[dict]) -> str:
	"""Store one answer (values keyed like RESPONSE_FIELDS) and its item rows; returns its name."""
	doc = frappe._dict(values)
	doc.submitted_at = get_datetime(doc.submitted_at) if doc.submitted_at else now_datetime()
	doc.creation = doc.modified = now_datetime()
	if is_anonymous(doc.kind):
		anonymize(doc)
	loop.flag(doc)
	for field in INT_FIELDS:  # Int and Check columns are NOT NULL
		doc[field] = cint(doc.get(field))
	doc.name = frappe.generate_hash(length=10)
	owner = frappe.session.user
	meta = (doc.name, doc.creation, doc.modified, owner, owner, 0, 0)
	_insert(RESPONSE, META + RESPONSE_FIELDS, [meta + tuple(doc.get(f) for f in RESPONSE_FIELDS)])
	if rows:
		_insert(
			ANSWER,
			(*META, "parent", "parenttype", "parentfield", *ANSWER_FIELDS),
			[
				(
					frappe.generate_hash(length=10),
					doc.creation,
					doc.modified,
					owner,
					owner,
					0,
					idx,
					doc.name,
					RESPONSE,
					"answers",
					*(row.get(f) if f != "score" else row.get(f) or 0 for f in ANSWER_FIELDS),
				)
				for idx, row in enumerate(rows, 1)
			],
		)
	stats.response_added(doc)
	loop.response_added(doc)
	return doc.name


def _insert(doctype: str, fields: tuple, rows: list[tuple]) -> None:
	"""One multi-row INSERT with bound values (like hsq_app.utils.bulk.insert_rows, without its
	extra query for the rows written: a request's one answer needs no count)."""
	columns = ", ".join(f"`{f}`" for f in fields)
	row = "(" + ", ".join(["%s"] * len(fields)) + ")"
	frappe.db.sql(
		f"INSERT INTO `tab{doctype}` ({columns}) VALUES {', '.join([row] * len(rows))}",
		tuple(v for r in rows for v in r),
	)

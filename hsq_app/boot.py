"""Process-wide adjustments of Frappe that must be in place before a request is parsed.

Applied once per process when the package is imported (``hsq_app/__init__.py``), which happens
before the first request of a worker that serves through :mod:`hsq_app.wsgi`, in every job and
test run, and at the latest in the first request's ``before_request`` hooks.

* A request body that claims to be JSON but is not answers **HTTP 417** with a readable message
  (Frappe 15 parses it before any hook runs and answers 500 with a traceback).
* The app's own script reports are never switched to prepared (background) reports behind the
  admin's back: Frappe does that for good to any report whose one run took over 15 s.
* No Workflow Action rows for the complaint workflow (see :func:`skip_workflow_actions`).
* Whether a DocType is single is read from its cached meta (see :func:`single_from_meta`).
* A naming series' next number is read in plain SQL (see :func:`series_in_plain_sql`).
"""

from __future__ import annotations

import json

_applied = False


def apply() -> None:
	global _applied
	if _applied:
		return
	_applied = True
	import frappe
	import frappe.app

	class MalformedRequestError(frappe.ValidationError):
		http_status_code = 417

	original = frappe.app.make_form_dict

	def make_form_dict(request):
		try:
			return original(request)
		except json.JSONDecodeError:
			frappe.local.form_dict = frappe._dict()
			from frappe import _

			frappe.throw(_("The request body is not valid JSON"), MalformedRequestError)

	frappe.app.make_form_dict = make_form_dict
	_keep_app_reports_live()
	skip_workflow_actions()
	single_from_meta()
	series_in_plain_sql()


def single_from_meta() -> None:
	"""``frappe.model.meta.is_single`` asks the database each time a request builds a new
	document's defaults: twice per insert (the document and its Version), each a query built by
	Frappe's query engine, which parses every field with sqlparse — a tenth of an intake request's
	CPU (issue 14, benchmarks/README.md). The DocType's cached meta says the same, and is cleared
	when the DocType changes."""
	import frappe
	from frappe.model import meta as module

	original = module.is_single
	if getattr(original, "hsq_wrapped", False):
		return

	def is_single(doctype):
		try:
			return frappe.get_meta(doctype).issingle
		except frappe.DoesNotExistError:
			return original(doctype)

	is_single.hsq_wrapped = True
	module.is_single = is_single


def series_in_plain_sql() -> None:
	"""``frappe.model.naming.getseries`` with its ``SELECT ... FOR UPDATE`` written in SQL rather
	than built by ``frappe.qb`` at every call: the same statements in the same order (the row
	lock, then the increment or the new row), a third of the CPU (0.14 ms against 0.48 ms, issue 14,
	benchmarks/README.md "Intake request: trimming Frappe's insert"). Every complaint's name
	comes from its series."""
	import frappe
	from frappe.model import naming as module
	from frappe.utils import cint

	original = module.getseries
	if getattr(original, "hsq_wrapped", False):
		return

	def getseries(key, digits):
		from hsq_app.utils.naming import hold_series

		hold_series(key)  # this transaction locks the row until it ends
		current = frappe.db.sql("SELECT `current` FROM `tabSeries` WHERE `name`=%s FOR UPDATE", (key,))
		if current and current[0][0] is not None:
			current = current[0][0]
			frappe.db.sql("UPDATE `tabSeries` SET `current` = `current` + 1 WHERE `name`=%s", (key,))
			current = cint(current) + 1
		else:
			frappe.db.sql("INSERT INTO `tabSeries` (`name`, `current`) VALUES (%s, 1)", (key,))
			current = 1
		return ("%0" + str(digits) + "d") % current

	getseries.hsq_wrapped = True
	module.getseries = getseries


def app_reports() -> frozenset[str]:
	"""The folder names (scrubbed names) of the script reports this app ships."""
	from pathlib import Path

	package = Path(__file__).resolve().parent
	return frozenset(p.parent.name for p in package.glob("*/report/*/*.json"))


def _keep_app_reports_live() -> None:
	"""The app's reports answer in about a second from kept cells and indexes (benchmarks/README.md);
	one slow run on a busy machine (a backup, a big import) must not turn them into "generate a new
	report" pages for everyone, for good. Other reports keep Frappe's behaviour, and an admin can
	still make one of the app's reports prepared in the desk."""
	import frappe
	from frappe.core.doctype.report import report as report_module

	original = report_module.enable_prepared_report
	ours = app_reports()

	def enable_prepared_report(report: str, site: str):
		if frappe.scrub(report) in ours:
			return None
		return original(report=report, site=site)

	report_module.enable_prepared_report = enable_prepared_report


# Frappe's Workflow Action rows (one per save of a document under a workflow, for the roles of
# its next transitions) are not used for these doctypes: a complaint's worklist is its ToDo
# (hsq_app.complaints.routing). They were a fifth of an intake request's time (issue 14).
# Frappe 15 has no switch for them (workflow_action.process_workflow_actions runs from the
# ``*`` doc events for every workflow; send_email_alert only governs the mails), so the hook,
# which Frappe resolves by its dotted path at every call, is wrapped.
WITHOUT_WORKFLOW_ACTIONS = frozenset({"HSQ Complaint"})


def skip_workflow_actions() -> None:
	from frappe.workflow.doctype.workflow_action import workflow_action as module

	original = module.process_workflow_actions
	if getattr(original, "hsq_wrapped", False):
		return

	def process_workflow_actions(doc, state):
		if doc.get("doctype") in WITHOUT_WORKFLOW_ACTIONS:
			return
		return original(doc, state)

	process_workflow_actions.hsq_wrapped = True
	module.process_workflow_actions = process_workflow_actions

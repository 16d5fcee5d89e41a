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
* A meta's field lists by type are kept with the cached meta (see :func:`meta_field_lists`).
* A DATETIME value MariaDB sends is read with ``datetime.fromisoformat`` (see
  :func:`datetimes_from_iso`).
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
	meta_field_lists()
	datetimes_from_iso()
	metas_kept_in_process()


def read_datetime(value):
	"""A DATETIME column's text as MariaDB sends it ('2026-12-03 17:23:07.123456', or without the
	fraction): the value ``frappe.utils.get_datetime`` reads from it, which any other text is left to
	(its zero dates, None)."""
	import datetime

	from frappe.utils import get_datetime

	if isinstance(value, str) and not value.startswith(("0001-01-01", "0000-00-00")):
		try:
			return datetime.datetime.fromisoformat(value)
		except ValueError:
			pass
	return get_datetime(value)


def datetimes_from_iso() -> None:
	"""Frappe reads every DATETIME value of every row with ``get_datetime``: ``strptime`` in Python,
	and ``dateutil``'s parser for a value without a fraction of a second. A registration job reads
	the receipt times of the latest 200 complaints of an institution for each chunk (the repeat
	check), so that was 5 % of the ``short`` worker during a burst (benchmarks/README.md,
	"Eighteenth session"); every list and report pays it per row. ``datetime.fromisoformat`` (C)
	reads the same text into the same value (tests/test_intake_request_cost.py)."""
	from frappe.database.mariadb.database import MariaDBDatabase
	from pymysql.constants import FIELD_TYPE

	MariaDBDatabase.CONVERSION_MAP[FIELD_TYPE.DATETIME] = read_datetime
	# a connection opened before the app was imported (a test session, bench console) reads the same
	import frappe

	conn = getattr(getattr(frappe.local, "db", None), "_conn", None)
	if conn is not None and hasattr(conn, "decoders"):
		conn.decoders[FIELD_TYPE.DATETIME] = read_datetime


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


# The field lists Frappe's document machinery filters out of a meta on every insert and save
# (BaseDocument._validate_*, Document._validate, the link check, the global search, files).
FIELD_FILTERS = (
	{"fieldtype": "Link", "options": ["!=", "[Select]"]},
	{"fieldtype": "Data"},
	{"fieldtype": "Phone"},
	{"fieldtype": "Dynamic Link"},
	{"fieldtype": ("=", "Dynamic Link")},
	{"fieldtype": "Select", "options": ["not in", ["[Select]", "Loading..."]]},
	{"fieldtype": "Code"},
	{"fieldtype": "Rating"},
	{"fieldtype": ("=", "Password")},
	{"fieldtype": ("in", ("Text Editor", "HTML Editor"))},
	{"fieldtype": ["in", ["Attach", "Attach Image"]]},
	{"fieldtype": ["in", ["Currency", "Float", "Percent"]]},
	{"reqd": ("=", 1)},
	{"set_only_once": ("=", 1)},
)
FIELD_LISTS = "_hsq_field_lists"


def _frozen(value):
	"""A hashable form of a filter dict (None where a value is neither text, number nor a list)."""
	if isinstance(value, dict):
		items = [(k, _frozen(v)) for k, v in value.items()]
		return None if any(v is None for _k, v in items) else tuple(sorted(items))
	if isinstance(value, list | tuple):
		items = tuple(_frozen(v) for v in value)
		return None if any(v is None for v in items) else ("[]", *items)
	if value is None or isinstance(value, str | int | float | bool):
		return (type(value).__name__, value)
	return None


def meta_field_lists() -> None:
	"""``meta.get("fields", {"fieldtype": ...})`` walks every field of the DocType each time it is
	asked, and a document's insert asks about fifteen such lists (the links, the selects, the data,
	code, password, rating and editor fields, the mandatory ones...): a tenth of an intake
	request's CPU for the complaint's 76 fields (issue 14, benchmarks/README.md). Frappe 16 keeps
	them on the meta; here they are computed when the meta is built and kept with it, so every
	request's copy of the cached meta brings them along, and a list asked for the first time is
	kept for the rest of the request.

	The same fields in the same order as Frappe's filter, in a new list each time (a caller may
	append to it). A meta is rebuilt whenever its DocType, a custom field or a property setter
	changes (Frappe clears the cached meta), and so are its lists; a meta whose field list was
	replaced or grown afterwards filters again."""
	from frappe.model.meta import Meta

	original_get = Meta.get
	if getattr(original_get, "hsq_wrapped", False):
		return
	original_process = Meta.process

	def get(self, key, filters=None, limit=None, default=None):
		if key == "fields" and isinstance(filters, dict) and not limit:
			kept = self.__dict__.get(FIELD_LISTS)
			fields = self.__dict__.get("fields")
			# the list they were taken from, unchanged (pickled with the meta, it stays the same object)
			if kept is not None and kept["fields"] is fields and kept["count"] == len(fields or ()):
				frozen = _frozen(filters)
				if frozen is not None:
					found = kept.get(frozen)
					if found is None:
						found = kept[frozen] = tuple(original_get(self, key, filters))
					return list(found)
		return original_get(self, key, filters, limit, default)

	def process(self):
		original_process(self)
		fields = self.__dict__.get("fields")
		self.__dict__[FIELD_LISTS] = {"fields": fields, "count": len(fields or ())}
		for filters in FIELD_FILTERS:
			self.get("fields", filters)
		self.get_global_search_fields()

	get.hsq_wrapped = True
	Meta.get = get
	Meta.process = process


SHARED_METAS_MAX = 512  # metas a process keeps (every site's DocTypes); beyond, it starts again


def metas_kept_in_process() -> None:
	"""``frappe.get_meta`` unpickles the DocType's meta from Redis in every request that asks for
	it: 0.4 ms of CPU for the complaint's 76-field meta (0.5 ms for User's), several metas a
	request (issue 14, benchmarks/README.md). Frappe 16 keeps metas in the process; here the
	process keeps each meta it unpickled with the exact bytes it came from, and a request still
	reads those bytes from Redis (one HGET, as before) and unpickles them only when they differ: a
	meta Frappe rebuilt (DocType, custom field or property setter changed; ``clear_cache``) is new
	bytes, so no request sees an old meta, on any site or process.

	A request gets the same meta object as the process's other requests, not a copy of its own:
	code that changed a cached meta in place would now change it for later requests too, until
	the meta is rebuilt. Frappe's and this app's server code read metas and copy what they change
	(``df.as_dict()``, ``frappe._dict(df)``); the lists Frappe works out lazily on a meta (its
	table fields, valid columns, the field lists of :func:`meta_field_lists`) are the same
	whoever works them out first. The writes into a cached meta that Frappe 15.55 does make were
	read for this (2026-12-04): the standard print layout (``printview.make_layout``) sets
	``rows``/``start``/``end`` on a table field, the same values at every print unless a child
	row has a ``page_break`` field (none of this app's tables has one); ``get_print_settings_to_show``
	sets a Print Settings field's ``default`` only for a document class with
	``get_print_settings`` (none here)."""
	import pickle

	import frappe
	import redis
	from frappe.model import meta as module

	original = module.get_meta
	if getattr(original, "hsq_wrapped", False):
		return
	kept: dict[tuple[str, str], tuple[bytes, object]] = {}

	def get_meta(doctype, cached=True):
		if not (cached and isinstance(doctype, str) and doctype):
			return original(doctype, cached)
		cache = frappe.cache
		name = cache.make_key("doctype_meta")
		# the request's own cache first, as RedisWrapper.hget reads it (hdel and clear_cache drop
		# entries from it)
		local = frappe.local.cache.setdefault(name, {})
		if doctype in local:
			return local[doctype]
		try:
			raw = redis.Redis.hget(cache, name, doctype)
		except redis.exceptions.ConnectionError:
			raw = None
		if raw is None:  # not built yet (or no Redis): Frappe builds it and keeps it in Redis
			return original(doctype, cached)
		key = (name, doctype)
		found = kept.get(key)
		if found is not None and found[0] == raw:
			meta = found[1]
		else:
			meta = pickle.loads(raw)
			if len(kept) >= SHARED_METAS_MAX:
				kept.clear()
			kept[key] = (raw, meta)
		local[doctype] = meta
		return meta

	get_meta.hsq_wrapped = True
	get_meta.kept = kept
	module.get_meta = get_meta

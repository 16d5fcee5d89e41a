"""The door sweep (issue 11): every whitelisted method, as every restricted role, aimed at another
institution's records carrying canary values, must answer no canary.

Every module of Frappe and of the app is imported, so ``frappe.whitelisted`` holds every door a
logged-in user can call over ``/api/method`` (and ``run_doc_method`` for controller methods); a door
added later is swept without touching this file. Each method is called in process through
``frappe.handler.execute_cmd`` (so ``override_whitelisted_methods`` apply, as over HTTP), with
arguments guessed from its signature and aimed at hospital b's records; the return value,
``frappe.response``, the message log and any error text are searched for the canaries. Every call
is rolled back.
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import pkgutil
import time
import zipfile
from collections import Counter

import frappe
import pytest
from isolation_world import CANARY, as_user, canary_hits, make_canaries, restricted_users

# Doors not called, each with its reason. Keep this short: a door here is a door not proven.
EXCLUDED_PREFIXES = {
	"frappe.integrations.": "talks to external services (OAuth, Google, Dropbox, LDAP, S3, webhooks)",
	"frappe.desk.page.setup_wizard.": "installs and reconfigures the whole site",
	"frappe.utils.backups.": "writes a full database backup to disk",
	"frappe.desk.page.backups.": "writes a full database backup to disk",
	"frappe.twofactor.": "sends one-time passwords",
	"frappe.email.doctype.email_account.": "connects to mail servers",
}
EXCLUDED = {
	"frappe.handler.logout": "ends the session",
	"frappe.www.login.login_via_token": "signs in as another session",
	"frappe.core.doctype.user.user.update_password": "changes the caller's password and session",
	"frappe.core.doctype.user.user.reset_password": "mails a reset link",
	"frappe.core.doctype.user.user.sign_up": "creates an account and mails it",
	"frappe.core.doctype.user.user.generate_keys": "replaces the caller's API secret",
	"frappe.core.doctype.user.user.impersonate": "switches the session to another user",
	"frappe.handler.web_logout": "ends the session",
	"frappe.sessions.clear": "clears every session of the caller",
	"frappe.auth.get_logged_user": "returns the caller",
	"frappe.utils.change_log.check_for_update": "calls GitHub",
	"frappe.utils.change_log.show_update_popup": "calls GitHub",
	"frappe.model.rename_doc.update_document_title": "renames documents (DDL-free but commits)",
	"frappe.model.rename_doc.rename_doc": "renames documents and commits",
	"frappe.utils.print_format.download_pdf": "spawns wkhtmltopdf (seconds a call); the same HTML is "
	"swept through frappe.www.printview.get_html_and_style",
	"frappe.utils.print_format.download_multi_pdf": "spawns wkhtmltopdf; HTML swept as above",
	"frappe.utils.print_format.report_to_pdf": "spawns wkhtmltopdf on the caller's own HTML",
	"frappe.utils.print_format.print_by_server": "sends to a network printer",
	"frappe.desk.doctype.system_console.system_console.execute_code": "System Manager only; runs code",
	"frappe.core.doctype.system_settings.system_settings.load": "site settings, no records",
	"frappe.desk.doctype.bulk_update.bulk_update.submit_cancel_or_update_docs": "enqueues bulk jobs",
	"frappe.utils.scheduler.activate_scheduler": "starts the scheduler for the site",
	"frappe.core.doctype.rq_job.rq_job.remove_failed_jobs": "empties the shared Redis queue",
	"frappe.core.doctype.rq_worker.rq_worker.get_workers": "reads the shared Redis",
	"frappe.utils.response.download_backup": "backups",
	"frappe.core.doctype.data_import.data_import.form_start_import": "starts a background import",
	"frappe.core.doctype.data_import.data_import.start_import": "starts a background import",
}
SKIPPED_MODULES = (
	".tests.",
	".test_",
	"frappe.tests",
	"frappe.testing",
	"frappe.parallel_test_runner",
	".patches.",
)

# Errors mean "no" (refused, invalid input, nothing there) and are counted; what the door said
# (error text, message log) is searched for canaries like any answer. An SQL syntax error fails
# the sweep: it means a query was built from the caller's input (or the guard broke one).
SQL_SYNTAX_ERROR = 1064
CALL_OUTCOMES = ("answered", "refused", "invalid or missing", "database refused the input")


def _import_everything() -> int:
	loaded = 0
	for package in ("frappe", "hsq_app"):
		root = importlib.import_module(package)
		for info in pkgutil.walk_packages(root.__path__, f"{package}."):
			if any(s in f"{info.name}." for s in SKIPPED_MODULES):
				continue
			try:
				importlib.import_module(info.name)
				loaded += 1
			except BaseException:  # a module that does not import is not a door
				continue
	return loaded


def _path(fn) -> str:
	return f"{fn.__module__}.{fn.__qualname__}"


def _excluded(path: str) -> str | None:
	if path in EXCLUDED:
		return EXCLUDED[path]
	return next((why for prefix, why in EXCLUDED_PREFIXES.items() if path.startswith(prefix)), None)


# ---------------------------------------------------------------- argument guesses


DOCTYPE_PARAMS = {
	"doctype",
	"doc_type",
	"dt",
	"ref_doctype",
	"reference_doctype",
	"reference_type",
	"document_type",
	"link_doctype",
	"parenttype",
	"from_doctype",
	"source_doctype",
}
NAME_PARAMS = {
	"name",
	"docname",
	"dn",
	"document",
	"document_name",
	"reference_name",
	"ref_docname",
	"doc_name",
	"source_name",
	"link_name",
	"value",
	"record",
	"complaint",
	"follow_up",
	"discharge_record",
}
TEXT_PARAMS = {"txt", "text", "search_text", "search_term", "query_string", "term", "keyword"}


class Target(frappe._dict):
	"""One foreign record to aim at: doctype, name, a personal field, parent (for child rows)."""


def _targets(c, w) -> list[Target]:
	score_row = frappe.get_all(
		"HSQ Follow Up Score", filters={"parent": c.follow_up, "dimension": CANARY.dimension}, pluck="name"
	)[0]
	# one target per mechanism: the app's records (User Permissions), a child row (its parent), rows
	# about a record (Comment: the app's hook; File: Frappe's own hook too). The other canary
	# records (Version, ToDo, staff, a staff row) are still searched for in every answer.
	return [
		Target(doctype="HSQ Complaint", name=c.complaint, field="complainant_phone"),
		Target(doctype="HSQ Discharge Record", name=c.discharge, field="patient_phone"),
		Target(doctype="HSQ Follow Up", name=c.follow_up, field="patient_phone"),
		Target(doctype="HSQ Follow Up Score", name=score_row, field="dimension", parent="HSQ Follow Up"),
		Target(doctype="Comment", name=c.comment, field="content"),
		Target(doctype="File", name=c.file, field="file_name"),
	]


def _guess(param: str, t: Target, w, report: str | None):
	"""A value for `param` aimed at target `t` (None: leave the parameter out)."""
	p = param.lower()
	if p in DOCTYPE_PARAMS:
		return t.doctype
	if p in ("parent", "parent_doctype"):
		return t.parent or t.doctype
	if p in NAME_PARAMS or (p.endswith("_name") and p not in ("report_name", "print_format", "fieldname")):
		return t.name
	if p in ("names", "docnames", "items", "docs_list"):
		return json.dumps([t.name])
	if p in ("fieldname", "field", "fields_to_fetch", "column", "fieldnames"):
		return t.field
	if p in ("fields", "columns"):
		return json.dumps(["*"])
	if p in ("filters", "current_filters", "filter"):
		return json.dumps({"name": t.name})
	if p in ("or_filters",):
		return json.dumps([["name", "=", t.name]])
	if p in TEXT_PARAMS:
		return "金丝雀"
	if p in ("doc",):
		return json.dumps({"doctype": t.doctype, "name": t.name})
	if p in ("docs",):
		return json.dumps([{"doctype": t.doctype, "name": t.name}])
	if p in ("report_name", "report"):
		return report
	if p in ("user", "allocated_to", "owner"):
		return w.b.officer
	if p in ("institution",):
		return w.b.institution
	if p in ("limit", "page_length", "limit_page_length"):
		return 500
	if p in ("start", "limit_start"):
		return 0
	if p in ("print_format", "format"):
		return "Standard"
	if p in ("method",):
		return None
	return None


def _calls(fn, targets: list[Target], w, reports: list[str]) -> list[dict]:
	"""The argument sets to call `fn` with: one per target (and per report for report doors)."""
	try:
		params = inspect.signature(inspect.unwrap(fn)).parameters
	except (TypeError, ValueError):
		params = {}
	names = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n != "self"]
	lowered = {n.lower() for n in names}
	report_door = any(n in ("report_name", "report") for n in names)
	if lowered & (DOCTYPE_PARAMS | {"doc", "docs", "parent"}):
		aimed = targets  # a door for any DocType: every kind of foreign record
	elif named := [t for t in targets if frappe.scrub(t.doctype).removeprefix("hsq_") in lowered]:
		aimed = named  # an app method naming its record (complaint, follow_up, discharge_record)
	elif lowered & (NAME_PARAMS | TEXT_PARAMS | {"filters"}):
		aimed = [t for t in targets if t.doctype.startswith("HSQ ") and not t.parent]
	else:
		aimed = targets[:1]
	sets = []
	for t in aimed:
		for report in (reports if report_door else [None]) if t is aimed[0] or not report_door else [None]:
			kwargs = {}
			for n in names:
				value = _guess(n, t, w, report)
				if value is None and params[n].default is inspect.Parameter.empty:
					value = t.name  # a required parameter we cannot name: aim the record's name at it
				if value is not None:
					kwargs[n] = value
			if report_door and report and "filters" in kwargs:
				kwargs["filters"] = json.dumps(
					{"from_date": "2020-01-01", "to_date": "2035-12-31", "institution": w.b.institution}
				)
			sets.append(kwargs)
	return sets


# ---------------------------------------------------------------- what a door answered


def _text(obj, depth: int = 0) -> str:
	"""Everything a caller receives, as text: nested data, bytes, zipped (xlsx) files, responses."""
	if depth > 6:
		return ""
	if isinstance(obj, bytes | bytearray):
		data = bytes(obj)
		if data[:2] == b"PK":
			try:
				with zipfile.ZipFile(io.BytesIO(data)) as z:
					return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
			except zipfile.BadZipFile:
				pass
		return data.decode("utf-8", "replace")
	if hasattr(obj, "get_data") and callable(obj.get_data):  # werkzeug Response
		return _text(obj.get_data(), depth + 1)
	if isinstance(obj, dict):
		return " ".join(f"{_text(k, depth + 1)} {_text(v, depth + 1)}" for k, v in obj.items())
	if isinstance(obj, list | tuple | set):
		return " ".join(_text(v, depth + 1) for v in obj)
	if hasattr(obj, "as_dict") and callable(obj.as_dict):
		try:
			return _text(obj.as_dict(), depth + 1)
		except Exception:
			return str(obj)
	return str(obj)


def _hits(text: str) -> list[str]:
	return [k for k, v in CANARY.items() if v in text]


def _call(cmd: str, kwargs: dict, http_method: str):
	from frappe.handler import execute_cmd

	frappe.local.form_dict = frappe._dict(kwargs)
	frappe.local.response = frappe._dict(docs=[])
	frappe.local.message_log = []
	frappe.local.request = frappe._dict(method=http_method, headers={}, path=f"/api/method/{cmd}")
	try:
		result, error = execute_cmd(cmd), None
	except Exception as e:
		result, error = None, e
	finally:
		frappe.local.request = None
	seen = _text([result, dict(frappe.local.response), frappe.local.message_log, str(error or "")])
	return seen, error


# ---------------------------------------------------------------- the sweep


@pytest.fixture(scope="module")
def sweep_world(shared_world):
	"""The canaries, committed (every call is rolled back), removed afterwards."""
	w = shared_world
	c = make_canaries(w)
	users = restricted_users(w)
	frappe.db.commit()  # each door call rolls back; the canaries must survive it
	try:
		loaded = _import_everything()
		frappe.set_user("Administrator")
		reports = frappe.get_all(
			"Report",
			filters={"module": ("in", ("HSQ Setup", "Complaints", "Follow Up", "Rectification"))},
			pluck="name",
		)
		yield frappe._dict(w=w, c=c, users=users, targets=_targets(c, w), loaded=loaded, reports=reports)
	finally:
		_remove_canaries(c)


def _remove_canaries(c) -> None:
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for dt, field, value in (
		("Comment", "reference_name", c.complaint),
		("Version", "docname", c.complaint),
		("Version", "name", c.version),
		("ToDo", "reference_name", c.complaint),
		("File", "attached_to_name", c.complaint),
		("Access Log", "reference_document", c.complaint),
		("HSQ Complaint Staff", "parent", c.complaint),
		("HSQ Complaint", "name", c.complaint),
		("HSQ Follow Up Score", "parent", ("in", c.follow_ups)),
		("HSQ Follow Up", "discharge_record", c.discharge),
		("Version", "docname", ("in", [c.discharge, *c.follow_ups])),
		("HSQ Discharge Record", "name", c.discharge),
		("HSQ Staff", "name", c.staff),
	):
		frappe.db.delete(dt, {field: value})
	frappe.db.commit()  # remove the committed canaries


def _doors() -> list:
	doors, seen = [], set()
	for fn in list(frappe.whitelisted):
		path = _path(fn)
		if path in seen:
			continue
		seen.add(path)
		doors.append(fn)
	return doors


def _doctype_of_class(fn) -> str | None:
	"""The DocType whose controller defines a whitelisted method (None for other classes)."""
	parts = fn.__module__.split(".")
	if len(parts) < 2 or parts[-3:-2] != ["doctype"]:
		return None
	if not hasattr(frappe.local, "hsq_scrubbed_doctypes"):
		frappe.local.hsq_scrubbed_doctypes = {
			frappe.scrub(dt): dt for dt in frappe.get_all("DocType", pluck="name")
		}
	return frappe.local.hsq_scrubbed_doctypes.get(parts[-1])


def _only_for_as_in_production(roles, message=False):
	"""frappe.only_for lets everyone through under tests; the sweep needs the production answer."""
	if frappe.session.user == "Administrator":
		return
	if set((roles,) if isinstance(roles, str) else roles).isdisjoint(frappe.get_roles()):
		raise frappe.PermissionError


@pytest.mark.parametrize(
	"role", ["officer", "leader", "head", "handler", "agent", "institution admin", "intake"]
)
def test_no_door_answers_a_canary(sweep_world, role):
	s = sweep_world
	user = s.users[role]
	leaks, db_errors, outcomes, spent = [], [], Counter(), Counter()
	original_commit, original_only_for = frappe.db.commit, frappe.only_for
	frappe.db.commit = lambda *a, **k: None  # a door that commits would keep what it changed
	frappe.only_for = _only_for_as_in_production
	started = time.monotonic()
	as_user(user)
	try:
		by_doctype = {t.doctype: t for t in s.targets}
		for fn in _doors():
			path = _path(fn)
			if _excluded(path):
				outcomes["excluded"] += 1
				continue
			if "." in fn.__qualname__:  # a controller method: run_doc_method on the foreign record
				dt = _doctype_of_class(fn)
				t = by_doctype.get(dt)
				if not t:
					outcomes["controller method of a DocType without canary"] += 1
					continue
				cmd = "run_doc_method"
				arg_sets = [
					{"method": fn.__name__, "dt": t.doctype, "dn": t.name},
					{  # a forged document: own institution, foreign name
						"method": fn.__name__,
						"docs": json.dumps(
							{
								"doctype": t.doctype,
								"name": t.name,
								"institution": s.w.a.institution,
								"department": s.w.a.dept1,
							}
						),
					},
				]
			else:
				if frappe.get_attr(path) is not fn:
					outcomes["not callable by its path"] += 1
					continue
				cmd = path
				arg_sets = _calls(fn, s.targets, s.w, s.reports)
			allowed = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["POST"]
			http_method = "POST" if "POST" in allowed else allowed[0]
			for kwargs in arg_sets:
				if frappe.session.user != user:
					as_user(user)
				frappe.local.hsq_active_staff = {}  # the app's per-request memos, as in a new request
				t0 = time.monotonic()
				seen, error = _call(cmd, kwargs, http_method)
				spent[path] += time.monotonic() - t0
				frappe.db.rollback()
				if hits := _hits(seen):
					leaks.append((path, kwargs, hits))
				if error is None:
					outcomes["answered"] += 1
				elif isinstance(error, frappe.PermissionError):
					outcomes["refused"] += 1
				elif type(error).__module__.startswith("pymysql") and error.args[:1] == (SQL_SYNTAX_ERROR,):
					db_errors.append((path, kwargs, repr(error)[:300]))
				elif type(error).__module__.startswith("pymysql"):
					outcomes["database refused the input"] += 1
				else:
					outcomes["invalid or missing"] += 1
	finally:
		frappe.db.commit, frappe.only_for = original_commit, original_only_for
		frappe.db.rollback()
		frappe.local.form_dict = frappe._dict()
		frappe.local.response = frappe._dict(docs=[])
		frappe.set_user("Administrator")
	calls = sum(v for k, v in outcomes.items() if k in CALL_OUTCOMES) + len(db_errors)
	print(
		f"\ndoor sweep [{role}]: {len(_doors())} whitelisted methods ({s.loaded} modules imported), "
		f"{calls} calls in {time.monotonic() - started:.0f}s: {dict(outcomes)}; "
		f"slowest: {[(p, round(t, 1)) for p, t in spent.most_common(6)]}"
	)
	assert not leaks, "\n".join(f"{p} {k} -> {h}" for p, k, h in leaks[:30])
	assert not db_errors, "\n".join(f"{p} {k} -> {e}" for p, k, e in db_errors[:30])
	assert outcomes["answered"] > 100  # the sweep reached real doors, not only refusals

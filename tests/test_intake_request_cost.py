"""What the complaint's insert reads in plain SQL instead of through Frappe's query engine (issue 14,
benchmarks/README.md "Intake request: trimming Frappe's insert"): the same answers and the same
errors through the doors, with fewer statements."""

import re

import frappe
import pytest
from factories import as_user, make_complaint, make_user, set_settings, uid
from frappe.model.naming import make_autoname
from test_complaint_doors import intake, intake_payload

from hsq_app import roles as R
from hsq_app.utils import work_calendar as wc
from hsq_app.utils.lookups import single_value


@pytest.fixture
def intake_user():
	return make_user(R.INTAKE_INTEGRATION)


def complaint_values(name, *fields):
	return frappe.db.get_value("HSQ Complaint", name, fields, as_dict=True)


def statements_during(fn):
	"""The SQL statements ``fn`` sends, and its result."""
	sent = []
	db = frappe.local.db
	real = db.sql

	def sql(query, *args, **kw):
		sent.append(str(query))
		return real(query, *args, **kw)

	db.sql = sql
	try:
		result = fn()
	finally:
		del db.sql
	return sent, result


# -- links ------------------------------------------------------------------------------------


def test_a_link_written_in_another_case_is_stored_as_the_record_is_named(shared_world, intake_user):
	as_user(intake_user)
	made = intake(**intake_payload(shared_world, category="waiting TIME"))
	assert complaint_values(made["name"], "category").category == "Waiting Time"


def test_a_link_to_nothing_fails_with_frappes_message_through_the_desk_door(shared_world):
	w = shared_world
	as_user(w.a.officer)
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "Hotline",
			"institution": w.a.institution,
			"category": "无此类别",
			"description": "多收费",
			"received_at": "2026-11-20 10:00:00",
		}
	)
	with pytest.raises(frappe.LinkValidationError, match="无此类别"):
		doc.insert()


def test_a_row_linking_to_nothing_fails_with_frappes_row_message(shared_world):
	w = shared_world
	as_user(w.a.officer)
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "Hotline",
			"institution": w.a.institution,
			"category": "Fees",
			"description": "多收费",
			"received_at": "2026-11-20 10:00:00",
			"staff_involved": [{"staff": "无此人-" + uid()}],
		}
	)
	with pytest.raises(frappe.LinkValidationError, match=r"#1.*无此人"):
		doc.insert()


def test_an_intake_insert_reads_its_links_in_one_statement(shared_world, intake_user):
	as_user(intake_user)
	intake(**intake_payload(shared_world))  # the masters in the document cache, as in production
	frappe.db.value_cache.clear()  # a new request: a new connection, nothing read yet
	sent, made = statements_during(lambda: intake(**intake_payload(shared_world)))
	assert made["created"]
	masters = [q for q in sent if re.search(r"`tab(HSQ Institution|HSQ Complaint Category)`", q)]
	assert len(masters) == 1 and " union all " in masters[0]


def test_a_complaint_changed_in_the_desk_still_checks_a_new_link(shared_world):
	w = shared_world
	as_user(w.a.officer)
	doc = frappe.get_doc(
		{
			"doctype": "HSQ Complaint",
			"channel": "Hotline",
			"institution": w.a.institution,
			"category": "Fees",
			"description": "多收费",
			"received_at": "2026-11-20 10:00:00",
		}
	).insert()
	doc.category = "也无此类别"
	with pytest.raises(frappe.LinkValidationError, match="也无此类别"):
		doc.save()


# -- HSQ Settings ------------------------------------------------------------------------------


def test_single_value_answers_what_frappe_answers_for_every_setting(shared_world):
	for df in frappe.get_meta("HSQ Settings").fields:
		if df.fieldtype in frappe.model.no_value_fields or df.fieldtype in frappe.model.table_fields:
			continue
		frappe.db.value_cache.pop("HSQ Settings", None)
		ours = single_value("HSQ Settings", df.fieldname)
		frappe.db.value_cache.pop("HSQ Settings", None)
		assert ours == frappe.db.get_single_value("HSQ Settings", df.fieldname), df.fieldname
		frappe.db.value_cache.pop("HSQ Settings", None)
		assert single_value("HSQ Settings", df.fieldname, df.fieldtype) == ours, df.fieldname


def test_the_settings_every_request_reads_name_their_own_types_and_load_no_meta(shared_world, monkeypatch):
	"""The before_request hook and the deadlines read HSQ Settings without its meta (Frappe's login
	check empties the request's metas in between): the types they name are the settings' own."""
	import inspect

	from hsq_app.utils import client

	meta = frappe.get_meta("HSQ Settings")
	for module, field in ((client, "trusted_proxies"), (wc, "default_work_calendar")):
		assert f'"{field}", "{meta.get_field(field).fieldtype}")' in inspect.getsource(module), field
	loaded = []
	real = frappe.get_meta
	monkeypatch.setattr(
		frappe, "get_meta", lambda doctype, *a, **kw: loaded.append(doctype) or real(doctype, *a, **kw)
	)
	frappe.db.value_cache.pop("HSQ Settings", None)
	client.trusted_proxies()
	wc.default_calendar_name()
	assert "HSQ Settings" not in loaded


def test_every_request_reads_its_trusted_proxies_without_the_query_engine(shared_world, monkeypatch):
	"""The before_request hook runs for every request, the desk's and the Note's too."""
	from hsq_app.utils.client import DEFAULT_TRUSTED, _networks, trusted_proxies

	built = []
	real = frappe.qb.get_query
	monkeypatch.setattr(frappe.qb, "get_query", lambda *a, **kw: built.append(a) or real(*a, **kw))
	frappe.db.value_cache.pop("HSQ Settings", None)
	sent, nets = statements_during(trusted_proxies)
	assert built == [] and len(sent) == 1
	monkeypatch.undo()
	frappe.db.value_cache.pop("HSQ Settings", None)
	stored = frappe.db.get_single_value("HSQ Settings", "trusted_proxies")
	assert nets == _networks(DEFAULT_TRUSTED if stored is None else stored)


@pytest.fixture
def settings_read_afresh():
	"""Frappe keeps a setting read for the connection's life, rollbacks included: forgotten after."""
	yield
	frappe.db.value_cache.pop("HSQ Settings", None)


def test_the_default_calendar_changed_applies_to_the_next_complaint(
	shared_world, intake_user, settings_read_afresh
):
	shipped = wc.default_calendar_name()
	received = "2026-11-20 09:30:00"  # a Friday: the week after is all holidays in the other calendar
	other = frappe.get_doc(
		{
			"doctype": "HSQ Work Calendar",
			"calendar_name": uid("日历"),
			"covered_until": "2027-12-31",
			"morning_start": "08:00:00",
			"morning_end": "12:00:00",
			"afternoon_start": "14:00:00",
			"afternoon_end": "17:30:00",
			"days": [{"date": f"2026-11-{d}", "day_type": "Holiday"} for d in range(23, 28)],
		}
	).insert()
	as_user(intake_user)
	first = intake(**intake_payload(shared_world, received_at=received))["name"]
	as_user("Administrator")
	set_settings(default_work_calendar=other.name)  # read again in the same transaction
	assert wc.get_calendar().name == other.name
	as_user(intake_user)
	second = intake(**intake_payload(shared_world, received_at=received))["name"]
	first_by = complaint_values(first, "resolve_by").resolve_by
	second_by = complaint_values(second, "resolve_by").resolve_by
	assert second_by > first_by  # five working days later
	as_user("Administrator")
	set_settings(default_work_calendar=shipped)
	assert wc.get_calendar().name == shipped


# -- naming ------------------------------------------------------------------------------------


def series_current(key):
	"""The series' number as committed (a locking read: the test's snapshot may predate a number
	taken on the second connection)."""
	return frappe.db.sql("select `current` from `tabSeries` where `name` = %s lock in share mode", key)[0][0]


def other_connection():
	"""A connection of the site's own, like another gunicorn thread's."""
	import pymysql
	from frappe.database import get_db

	conf = frappe.local.conf
	settings = get_db(
		host=conf.db_host, port=conf.db_port, user=conf.db_name, password=conf.db_password,
		cur_db_name=conf.db_name,
	).get_connection_settings()  # fmt: skip
	return pymysql.connect(**settings, autocommit=False)


def test_complaints_take_consecutive_numbers_of_their_series(shared_world, intake_user):
	as_user(intake_user)
	names = [intake(**intake_payload(shared_world))["name"] for _ in range(2)]
	prefix, number = names[0].rsplit("-", 1)
	assert names[1] == f"{prefix}-{int(number) + 1:05d}"
	assert series_current(f"{prefix}-") == int(number) + 1


def test_a_new_series_starts_at_one():
	assert frappe.model.naming.getseries.hsq_wrapped
	prefix = uid("ZZ").upper()
	assert make_autoname(f"{prefix}-.####") == f"{prefix}-0001"
	assert make_autoname(f"{prefix}-.####") == f"{prefix}-0002"
	assert series_current(f"{prefix}-") == 2


def test_an_intake_number_is_committed_at_once_and_the_series_left_free(shared_world, intake_user):
	"""Another registration need not wait for this request's commit (issue 14: under load the wait
	for the series row was three quarters of an intake request)."""
	as_user(intake_user)
	name = intake(**intake_payload(shared_world))["name"]
	prefix, number = name.rsplit("-", 1)
	other = other_connection()
	try:
		with other.cursor() as cursor:
			cursor.execute("set session innodb_lock_wait_timeout = 1")
			# this test's transaction is still open, the complaint uncommitted: the row is free
			cursor.execute("select `current` from `tabSeries` where `name` = %s for update", (f"{prefix}-",))
			assert cursor.fetchone()[0] == int(number)
		other.rollback()
	finally:
		other.close()
	# the complaint itself is still this transaction's: nobody else sees it before the commit
	assert frappe.db.exists("HSQ Complaint", name)


def test_a_registration_after_a_desk_one_in_the_same_transaction_takes_the_next_number(
	shared_world, intake_user, monkeypatch
):
	"""The desk numbers in its own transaction and holds the row until the commit; an intake call
	later in that transaction (a script, a test) continues the series there instead of waiting for
	itself on the second connection."""
	from hsq_app.utils import naming

	as_user(shared_world.a.officer)
	desk = make_complaint(shared_world.a.institution).name

	def second_connection(key):
		raise AssertionError(f"{key} is held by this transaction: the second connection would wait for it")

	monkeypatch.setattr(naming, "_increment", second_connection)
	as_user(intake_user)
	name = intake(**intake_payload(shared_world))["name"]
	prefix, number = desk.rsplit("-", 1)
	assert name == f"{prefix}-{int(number) + 1:05d}"


def test_a_registration_numbers_in_the_request_when_the_second_connection_fails(
	shared_world, intake_user, monkeypatch
):
	from hsq_app.utils import naming

	def unreachable(key):
		raise OSError("connection refused")

	monkeypatch.setattr(naming, "_increment", unreachable)
	as_user(intake_user)
	first = intake(**intake_payload(shared_world))["name"]
	second = intake(**intake_payload(shared_world))["name"]
	prefix, number = first.rsplit("-", 1)
	assert second == f"{prefix}-{int(number) + 1:05d}"
	assert series_current(f"{prefix}-") == int(number) + 1


def test_a_second_connection_the_server_closed_is_opened_again(shared_world, intake_user, monkeypatch):
	"""A connection MariaDB closed (idle past wait_timeout, a restart) is opened again once, and the
	number still comes from a transaction of its own."""
	from hsq_app.utils import naming

	as_user(intake_user)
	first = intake(**intake_payload(shared_world))["name"]
	closed = naming._own.conn.thread_id()
	frappe.db.sql(f"kill {int(closed)}")

	prefix, number = first.rsplit("-", 1)
	frappes = frappe.model.naming.getseries

	def in_the_request(key, digits):
		assert key != f"{prefix}-", "numbered in the request's transaction"
		return frappes(key, digits)

	monkeypatch.setattr(frappe.model.naming, "getseries", in_the_request)
	second = intake(**intake_payload(shared_world))["name"]
	assert second == f"{prefix}-{int(number) + 1:05d}"
	assert naming._own.conn.thread_id() != closed


# -- a meta's field lists ---------------------------------------------------------------------


def _fresh_meta(doctype):
	"""The meta a new request gets (not this request's own cache of it)."""
	frappe.local.cache = {}
	return frappe.get_meta(doctype)


def _own_meta(doctype):
	"""A meta as a new process unpickles it from the cache: one this test may change (the
	process's own is shared by its requests, hsq_app.boot.metas_kept_in_process)."""
	import pickle

	_fresh_meta(doctype)
	return pickle.loads(frappe.cache.execute_command("HGET", frappe.cache.make_key("doctype_meta"), doctype))


def test_a_metas_field_lists_are_frappes_own_and_come_with_the_cached_meta(monkeypatch):
	from frappe.model import base_document

	from hsq_app.boot import FIELD_FILTERS

	meta = _own_meta("HSQ Complaint")
	fields = list(meta.fields)
	expected = {
		repr(f): [d.fieldname for d in base_document._filter(fields, f)]
		for f in (*FIELD_FILTERS, {"fieldtype": "Check"}, {"fieldtype": ["in", ["Link", "Select"]]})
	}
	walks = []
	real = base_document._filter
	monkeypatch.setattr(base_document, "_filter", lambda *a, **k: walks.append(a) or real(*a, **k))
	for f in FIELD_FILTERS:  # kept when the meta was built: not filtered again in this request
		assert [d.fieldname for d in meta.get("fields", f)] == expected[repr(f)]
	assert walks == []
	assert [d.fieldname for d in meta.get_link_fields()] == expected[repr(FIELD_FILTERS[0])]
	assert "institution" in expected[repr(FIELD_FILTERS[0])]
	# one asked for the first time is filtered once, then kept for the request
	for f in ({"fieldtype": "Check"}, {"fieldtype": ["in", ["Link", "Select"]]}):
		assert [d.fieldname for d in meta.get("fields", f)] == expected[repr(f)]
		assert [d.fieldname for d in meta.get("fields", f)] == expected[repr(f)]
	assert len(walks) == 2
	# a caller that appends to its list changes nobody else's
	links = meta.get_link_fields()
	links.append(frappe._dict(fieldname="extra"))
	assert "extra" not in [d.fieldname for d in meta.get_link_fields()]
	# a limit, or a field list that was replaced, is filtered as Frappe filters it
	assert len(meta.get("fields", {"fieldtype": "Link"}, limit=1)) == 1
	meta.fields = fields[:3]
	assert [d.fieldname for d in meta.get("fields", {"fieldtype": "Data"})] == [
		d.fieldname for d in real(fields[:3], {"fieldtype": "Data"})
	]


def test_a_field_made_mandatory_in_the_desk_is_in_the_next_metas_lists():
	from frappe.custom.doctype.property_setter.property_setter import make_property_setter

	mandatory = {"reqd": ("=", 1)}
	assert "demands" not in [d.fieldname for d in _fresh_meta("HSQ Complaint").get("fields", mandatory)]
	setter = make_property_setter(
		"HSQ Complaint", "demands", "reqd", 1, "Check", validate_fields_for_doctype=False
	)
	try:
		assert "demands" in [d.fieldname for d in _fresh_meta("HSQ Complaint").get("fields", mandatory)]
	finally:
		frappe.delete_doc("Property Setter", setter.name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype="HSQ Complaint")
	assert "demands" not in [d.fieldname for d in _fresh_meta("HSQ Complaint").get("fields", mandatory)]


def test_a_process_keeps_an_unchanged_meta_and_takes_a_rebuilt_one_at_once():
	"""hsq_app.boot.metas_kept_in_process: requests share the meta their process unpickled while
	its cached bytes are the same; a meta Frappe rebuilt (a label changed in the desk) is the
	next request's, in this process and in any other."""
	from frappe.model import meta as module

	from hsq_app.boot import metas_kept_in_process

	assert getattr(module.get_meta, "hsq_wrapped", False)
	metas_kept_in_process()  # applied once only
	assert module.get_meta.hsq_wrapped and frappe.get_meta is not module.get_meta
	_fresh_meta("HSQ Complaint")  # built and cached, if it was not
	first = _fresh_meta("HSQ Complaint")
	assert _fresh_meta("HSQ Complaint") is first  # no unpickling for the next request
	assert first.get_field("institution").fieldtype == "Link"

	from frappe.custom.doctype.property_setter.property_setter import make_property_setter

	label = first.get_field("demands").label
	setter = make_property_setter(
		"HSQ Complaint", "demands", "label", "诉求（探针）", "Data", validate_fields_for_doctype=False
	)
	try:
		assert first.get_field("demands").label == label  # an earlier request's meta is as it was
		rebuilt = _fresh_meta("HSQ Complaint")  # (built by this request, then read by the next ones)
		assert rebuilt is not first and rebuilt.get_field("demands").label == "诉求（探针）"
		kept = _fresh_meta("HSQ Complaint")
		assert kept is not first and kept.get_field("demands").label == "诉求（探针）"
		assert _fresh_meta("HSQ Complaint") is kept
		assert _own_meta("HSQ Complaint").get_field("demands").label == "诉求（探针）"  # another process
		# within a request, a meta dropped from the cache (Frappe's clear_cache) is read again
		frappe.cache.hdel("doctype_meta", "HSQ Complaint")
		assert frappe.get_meta("HSQ Complaint").get_field("demands").label == "诉求（探针）"
	finally:
		frappe.delete_doc("Property Setter", setter.name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype="HSQ Complaint")
	assert _fresh_meta("HSQ Complaint").get_field("demands").label == label
	# and a DocType that does not exist is still Frappe's error
	with pytest.raises(frappe.DoesNotExistError):
		_fresh_meta("No Such DocType")


def test_a_datetime_mariadb_sends_is_read_as_frappe_reads_it(shared_world):
	"""hsq_app.boot.datetimes_from_iso: the connection reads DATETIME text with fromisoformat, into
	the value Frappe's get_datetime made of it, zero dates included."""
	from frappe.utils import get_datetime
	from pymysql.constants import FIELD_TYPE

	from hsq_app.boot import read_datetime

	assert frappe.db._conn.decoders[FIELD_TYPE.DATETIME] is read_datetime
	for text in (
		"2026-12-03 17:23:07.123456",
		"2026-12-03 17:23:07.000000",
		"2026-12-03 17:23:07",
		"2024-02-29 00:00:00.000001",
		"9999-12-31 23:59:59.999999",
		"0000-00-00 00:00:00",
		"0001-01-01 00:00:00.000000",
	):
		assert read_datetime(text) == get_datetime(text), text
	row = frappe.db.sql(
		"""select cast('2026-12-03 17:23:07.5' as datetime(6)), cast('2026-12-03 17:23:07' as datetime),
		cast('2026-12-03' as datetime(3))"""
	)[0]
	assert row == (
		get_datetime("2026-12-03 17:23:07.500000"),
		get_datetime("2026-12-03 17:23:07"),
		get_datetime("2026-12-03 00:00:00.000"),
	)
	name = make_complaint(shared_world.a.institution, received_at="2026-11-30 08:15:00").name
	assert frappe.db.get_value("HSQ Complaint", name, "received_at") == get_datetime("2026-11-30 08:15:00")

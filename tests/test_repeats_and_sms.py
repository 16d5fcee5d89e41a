"""Repeat (重复反映) and duplicate complaints, the leader's long-unresolved list, and the messages a
complainant gets on registration, answer and closing."""

from datetime import timedelta

import frappe
import pytest
from complaint_steps import act
from factories import as_user, make_complaint, set_settings, uid

from hsq_app.complaints import repeats
from hsq_app.complaints.complainant_sms import ANSWERED, CLOSED, REGISTERED
from hsq_app.messaging import sms
from hsq_app.messaging.gateway import FakeGateway
from hsq_app.rectification import accountability

RESOLUTION = {"finding": "Upheld", "resolution": "已核实并整改", "reply_to_complainant": "已致歉并说明"}


@pytest.fixture(autouse=True)
def _sms_through_the_fake_gateway(fake_sms):
	yield fake_sms


def register(w, **kw):
	kw.setdefault("complainant_phone", phone())
	as_user(w.a.officer)
	try:
		return make_complaint(w.a.institution, description=kw.pop("description", f"情况{uid()}"), **kw)
	finally:
		frappe.set_user("Administrator")


def phone():
	return "139" + str(abs(hash(uid())))[:8].rjust(8, "0")


def closed(w, name, feedback="Satisfied"):
	act(w.a.officer, name, "Dispatch", department=w.a.dept1)
	act(w.a.handler1, name, "Accept")
	act(w.a.handler1, name, "Start")
	act(w.a.handler1, name, "Submit for Approval", **RESOLUTION)
	act(w.a.head1, name, "Approve")
	act(w.a.officer, name, "Close", complainant_feedback=feedback)


# ------------------------------------------------------------------------------------ repeats


def test_a_repeat_from_the_same_phone_is_flagged_on_registration(shared_world):
	w = shared_world
	number = phone()
	first = register(w, complainant_phone=number)
	assert not first.repeat_of and first.repeat_count == 0
	second = register(w, complainant_phone=f"+86 {number}", description="完全不同的事情")
	assert second.repeat_of == first.name and second.repeat_count == 1
	third = register(w, complainant_phone=number)
	assert third.repeat_of == first.name and third.repeat_count == 2
	# the phone is compared through a keyed hash, not stored twice in clear
	key = frappe.db.get_value("HSQ Complaint", second.name, "phone_key")
	assert key and number not in key and key == repeats.phone_key(number)
	# someone else is no repeat
	assert not register(w, complainant_phone=phone()).repeat_of


def test_similar_text_at_the_same_institution_is_a_repeat_and_the_window_is_configurable(shared_world):
	w = shared_world
	text = f"门诊三楼收费窗口排队过长，工作人员态度冷漠 {uid()}"
	first = register(w, complainant_phone=phone(), description=text)
	assert register(w, is_anonymous=1, description=text + "。").repeat_of == first.name
	frappe.db.set_single_value("HSQ Settings", "repeat_window_days", 1)
	assert (
		repeats.earlier_reports(
			frappe._dict(
				name=None,
				received_at=frappe.utils.now_datetime() + timedelta(days=3),
				phone_key=None,
				description=text,
				institution=w.a.institution,
			)
		)
		== []
	)


def test_a_busy_institution_compares_a_new_text_with_its_latest_complaints(shared_world, monkeypatch):
	"""Only TEXT_CANDIDATES earlier texts are compared: the latest ones, so a repeat of last
	week's complaint is recognised however many complaints came before it in the window."""
	w = shared_world
	monkeypatch.setattr(repeats, "TEXT_CANDIDATES", 2)
	matter = f"住院部二楼开水间长期无热水，多次反映未解决 {uid()}"
	register(w, complainant_phone=phone(), description=f"药房取药等候两小时 {uid()}")
	register(w, complainant_phone=phone(), description=f"停车场收费标准不清 {uid()}")
	last_week = register(w, complainant_phone=phone(), description=matter)
	again = register(w, complainant_phone=phone(), description=matter)
	assert again.repeat_of == last_week.name and again.repeat_count == 1


def test_a_chunk_finds_for_each_complaint_what_it_alone_finds_at_the_candidates_edge(
	shared_world, monkeypatch
):
	"""The registration job's chunk (earlier_reports_of over many complaints, one read for the
	institution, each complaint's latest candidates found by bisection) marks each complaint as the
	check of that complaint alone does, where the candidates' limit and the window's edge decide."""
	from frappe.utils import add_days, add_to_date, get_datetime

	w = shared_world
	monkeypatch.setattr(repeats, "TEXT_CANDIDATES", 3)
	set_settings(repeat_window_days=30)
	matter = f"门诊大厅空调坏了一个月没人修，老人候诊很热 {uid()}"
	start = get_datetime(add_days(frappe.utils.now_datetime(), -60))
	docs = []
	# the same matter again and again, others between them, some past the window of the later ones
	for i, days in enumerate((0, 10, 31, 33, 34, 35, 35, 36, 50, 58)):
		text = matter if i % 3 != 1 else f"食堂饭菜价格太贵 {uid()}"
		docs.append(register(w, description=text, received_at=add_to_date(start, days=days, minutes=i)).name)
	docs = [frappe.get_doc("HSQ Complaint", n) for n in docs]
	chunk = repeats.earlier_reports_of(docs)
	alone = [repeats.earlier_reports_of([d])[0] for d in docs]
	assert [[r.name for r in x] for x in chunk] == [[r.name for r in x] for x in alone]
	assert any(chunk) and not all(chunk)


def test_a_merged_duplicate_counts_once_in_ledger_summary_and_accountability(shared_world):
	w = shared_world
	from hsq_app.complaints.report.complaint_ledger import complaint_ledger
	from hsq_app.hsq_setup.report.monthly_bureau_summary import monthly_bureau_summary

	def ledger_total():
		_cols, _rows, _msg, _chart, summary = complaint_ledger.execute({"institution": w.a.institution})
		return summary[0]["value"]

	def summary_received():
		_cols, rows, *_ = monthly_bureau_summary.execute(
			{"institution": w.a.institution, "month": frappe.utils.today()}
		)
		return next(r for r in rows if r.get("institution") == w.a.institution).get("received") or 0

	ledger0, summary0 = ledger_total(), summary_received()
	staff = frappe.get_all("HSQ Staff", filters={"institution": w.a.institution}, pluck="name", limit=1)[0]
	number = phone()
	first = register(w, complainant_phone=number, staff_involved=[{"staff": staff}])
	dup = register(w, complainant_phone=number, channel="12345 Hotline", staff_involved=[{"staff": staff}])
	assert dup.repeat_of == first.name
	assert (ledger_total(), summary_received()) == (ledger0 + 2, summary0 + 2)

	as_user(w.a.officer)
	repeats.merge_duplicate(dup.name, first.name)
	frappe.set_user("Administrator")
	dup.reload()
	assert dup.merged_into == first.name and dup.workflow_state == "Closed"
	assert frappe.db.get_value("HSQ Complaint", first.name, "workflow_state") == "Registered"
	assert (ledger_total(), summary_received()) == (ledger0 + 1, summary0 + 1)
	closed(w, first.name)
	year = frappe.utils.now_datetime().year
	counted = accountability.qualifying_complaints("Staff", staff, year)
	assert first.name in {c.name for c in counted} and dup.name not in {c.name for c in counted}
	# a merged complaint can no longer be changed, nor merged again
	with pytest.raises(frappe.ValidationError):
		as_user(w.a.officer)
		repeats.merge_duplicate(dup.name, first.name)
	frappe.set_user("Administrator")


def test_merging_needs_the_officer_and_the_same_institution(shared_world):
	w = shared_world
	first = register(w, received_at=frappe.utils.now_datetime() - timedelta(hours=2))
	dup = register(w)
	as_user(w.a.handler1)
	with pytest.raises(frappe.PermissionError):
		repeats.merge_duplicate(dup.name, first.name)
	as_user(w.b.officer)
	with pytest.raises(frappe.PermissionError):
		repeats.merge_duplicate(dup.name, first.name)
	as_user(w.a.officer)
	with pytest.raises(repeats.MergeError):
		repeats.merge_duplicate(first.name, dup.name)  # the earlier one is kept
	frappe.set_user("Administrator")


def test_the_leaders_list_holds_long_unresolved_and_repeated_matters_oldest_first(shared_world):
	w = shared_world
	old = register(w, received_at=frappe.utils.now_datetime() - timedelta(days=60))
	number = phone()
	register(w, complainant_phone=number)
	repeated = register(w, complainant_phone=number)
	fresh = register(w)
	as_user(w.a.leader)
	names = [r.name for r in repeats.long_unresolved()]
	assert old.name in names and repeated.name in names and fresh.name not in names
	assert names.index(old.name) < names.index(repeated.name)
	as_user(w.b.leader)
	assert old.name not in [r.name for r in repeats.long_unresolved()]
	frappe.set_user("Administrator")


# ------------------------------------------------------------------------------------ messages


def logs(name):
	return frappe.get_all(
		sms.LOG,
		filters={"reference_doctype": "HSQ Complaint", "reference_name": name},
		fields=["name", "template", "status", "attempts", "receiver", "message"],
		order_by="creation asc",
	)


def test_registration_answer_and_closing_each_send_one_sms_to_a_named_complainant(shared_world):
	w = shared_world
	number = phone()
	doc = register(w, complainant_phone=number)
	closed(w, doc.name)
	rows = logs(doc.name)
	assert [r.template for r in rows] == [REGISTERED, ANSWERED, CLOSED]
	assert {r.status for r in rows} == {"Sent"} and {r.receiver for r in rows} == {number}
	assert doc.tracking_code in rows[0].message
	resolve_by = frappe.utils.getdate(frappe.db.get_value("HSQ Complaint", doc.name, "resolve_by"))
	assert str(resolve_by) in rows[0].message
	assert "/survey/" in rows[2].message
	assert len(FakeGateway.outbox) == 3


def test_an_anonymous_complainant_gets_no_message(shared_world):
	w = shared_world
	doc = register(w, is_anonymous=1)
	closed(w, doc.name)
	assert logs(doc.name) == [] and FakeGateway.outbox == []


def test_a_failed_send_is_retried_and_visible(shared_world):
	w = shared_world
	FakeGateway.fail_next = 1
	doc = register(w, complainant_phone=phone())
	[row] = logs(doc.name)
	assert (row.status, row.attempts) == ("Retrying", 1)
	sms.retry_due(now=frappe.utils.now_datetime() + timedelta(hours=1))
	[row] = logs(doc.name)
	assert (row.status, row.attempts) == ("Sent", 2)
	assert [m for to, m in FakeGateway.outbox if to == row.receiver] == [row.message]


def test_without_a_gateway_messages_wait_held_and_go_out_once_it_is_configured(shared_world):
	"""No SMS gateway yet (a new county site): messages wait as Held, using no attempt, and go out
	when the admin saves SMS Settings with a gateway; one held too long is not sent any more."""
	w = shared_world
	frappe.db.set_single_value("SMS Settings", "sms_gateway_url", "")  # a new site: none yet
	frappe.clear_document_cache("SMS Settings", "SMS Settings")
	frappe.flags.hsq_fake_sms = False  # the real gateway, which is not configured
	old = register(w, complainant_phone=phone())
	doc = register(w, complainant_phone=phone())
	[row] = logs(doc.name)
	assert (row.status, row.attempts) == ("Held", 0)
	sms.retry_due(now=frappe.utils.now_datetime() + timedelta(hours=1))
	assert frappe.db.get_value(sms.LOG, row.name, "status") == "Held"
	[stale] = logs(old.name)
	frappe.db.set_value(sms.LOG, stale.name, "creation", frappe.utils.now_datetime() - timedelta(hours=49))

	frappe.flags.hsq_fake_sms = True
	settings = frappe.get_doc("SMS Settings")  # the admin configures the gateway
	settings.sms_gateway_url = "https://sms.example.com/send"
	settings.message_parameter, settings.receiver_parameter = "content", "mobile"
	settings.save()
	assert frappe.db.get_value(sms.LOG, row.name, ["status", "attempts"]) == ("Sent", 1)
	assert frappe.db.get_value(sms.LOG, stale.name, "status") == "Failed"
	sent = [m for to, m in FakeGateway.outbox]
	assert row.message in sent and stale.message not in sent


# ------------------------------------------------------------------------------------ attachments


def attach(name, file_name, is_private=1, content=b"%PDF-1.4 signed form"):
	return frappe.get_doc(
		{
			"doctype": "File",
			"file_name": file_name,
			"attached_to_doctype": "HSQ Complaint",
			"attached_to_name": name,
			"is_private": is_private,
			"content": content,
		}
	).insert()


def test_the_signed_registration_form_is_attached_privately_and_on_the_timeline(shared_world):
	w = shared_world
	from hsq_app.complaints.attachments import AttachmentError

	doc = register(w)
	as_user(w.a.officer)
	try:
		f = attach(doc.name, "投诉登记表.pdf")
		assert f.is_private
		with pytest.raises(AttachmentError):
			attach(doc.name, "script.exe")
		with pytest.raises(AttachmentError):
			attach(doc.name, "scan.pdf", is_private=0)
		as_user(w.b.officer)
		with pytest.raises(frappe.PermissionError):
			attach(doc.name, "other.pdf")
	finally:
		frappe.set_user("Administrator")
	comments = frappe.get_all("Comment", filters={"reference_name": doc.name}, pluck="content")
	assert any("投诉登记表.pdf" in c for c in comments)


def test_the_leaders_report_is_on_their_workspace_and_lists_the_same_rows(shared_world):
	"""The leader finds 长期未解决和重复反映 on their workspace (as the bureau and the officers do on
	theirs) and opens it through the desk's report door."""
	from frappe.desk.desktop import get_desktop_page
	from frappe.desk.query_report import run

	w = shared_world
	old = register(w, received_at=frappe.utils.now_datetime() - timedelta(days=45))
	for user, workspace in (
		(w.a.leader, "Leader Desk"),
		(w.bureau_admin, "Bureau Desk"),
		(w.a.officer, "Complaints"),
	):
		as_user(user)
		page = get_desktop_page(frappe.as_json({"name": workspace, "title": workspace}))
		links = [link.link_to for card in page["cards"]["items"] for link in card["links"]]
		assert "Long Unresolved and Repeated" in links, workspace
	as_user(w.a.leader)
	rows = run("Long Unresolved and Repeated", filters={}, ignore_prepared_report=True)["result"]
	frappe.set_user("Administrator")
	assert old.name in [r["name"] for r in rows]


def test_the_text_check_agrees_with_the_ratio_whatever_the_texts():
	"""The shortcuts (the same text, the cheap bounds) never change what the ratio decides."""
	from difflib import SequenceMatcher

	texts = [
		"",
		"挂号排队两小时",
		"挂号排队两小时",
		"挂号排队三小时，无人解释",
		"收费不明",
		"x" * 600,
		"x" * 599 + "y",
	]
	for earlier in texts:
		matcher = repeats._Matcher(earlier)
		for text in texts:
			for threshold in (0.0, 0.5, 0.8, 1.0, 1.01):
				ratio = SequenceMatcher(
					None, text[: repeats.TEXT_CHARS], earlier[: repeats.TEXT_CHARS], autojunk=False
				).ratio()
				assert matcher.similar(text, threshold) == (ratio >= threshold), (text, earlier, threshold)
	# and texts near and far from each other, one alphabet for all and each text's signature given by
	# the caller, as registration does
	import random

	rng = random.Random(14)
	alphabet = "门诊挂号排队时间过长候诊超过两小时医生态度差收费不明药品缺货护士"
	base = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 60))) for _ in range(40)]
	texts = base + ["".join(c if rng.random() > 0.15 else rng.choice(alphabet) for c in t) for t in base]
	shared = repeats._Alphabet()
	for earlier in texts:
		matcher = repeats._Matcher(earlier, shared)
		for text in texts:
			ratio = SequenceMatcher(None, text, earlier, autojunk=False).ratio()
			for threshold in (0.5, 0.7, 0.8, 0.9):
				assert matcher.similar(text, threshold, shared.signature(text)) == (ratio >= threshold)


def test_a_message_is_rendered_as_frappe_renders_it_and_refused_as_frappe_refuses_it():
	"""The SMS bodies are compiled once per request or job (messaging.sms._render): the text is
	Frappe's, and so are the refusals (server-side scripting, broken templates)."""
	from hsq_app.messaging import sms

	context = {"name": "TS-2026-00001", "institution": "县人民医院", "n": 3}
	for body in (
		"您的投诉 {{ name }} 已由{{ institution }}受理",
		"{% if n > 2 %}第{{ n }}次{% endif %}反映，已转{{ institution }}",
		"无变量的短信",
		"{{ missing }}未定义",
	):
		for _time in range(2):  # compiled, then taken from this request's compiled bodies
			assert sms._render(body, context) == frappe.render_template(body, context)
	for refused in ("{{ name.__class__ }}", "{% if %}", "{{ name | no_such_filter }}"):
		with pytest.raises(frappe.ValidationError) as frappes:
			frappe.render_template(refused, context)
		with pytest.raises(frappe.ValidationError) as ours:
			sms._render(refused, context)
		assert str(ours.value) == str(frappes.value)


def test_a_seconds_messages_are_logged_as_one_by_one_and_delivered_by_one_job(shared_world, monkeypatch):
	"""A registration job logs its second's messages in one INSERT (sms.send_many): the rows are
	the ones send_sms writes message by message (an opted-out number too), their deliveries go in
	one job, and a message without a phone number stores none of them."""
	w = shared_world
	complaint = register(w)
	numbers = [phone(), phone()]
	sms.opt_out(numbers[1])
	messages = [
		{
			"to": number,
			"context": {"institution": "县人民医院", "tracking_code": f"T{i}", "resolve_by": "2026-12-09"},
			"reference_doctype": "HSQ Complaint",
			"reference_name": complaint.name,
			"institution": w.a.institution,
		}
		for i, number in enumerate(numbers)
	]
	fields = ["status", "template", "receiver", "message", "institution", "reference_doctype"]
	fields += ["reference_name", "attempts", "owner", "modified_by", "docstatus", "sent_at"]

	def rows(names):
		return [frappe.db.get_value("HSQ SMS Log", name, fields, as_dict=True) for name in names]

	one_by_one = [
		sms.send_sms(
			REGISTERED,
			m["to"],
			m["context"],
			m["reference_doctype"],
			m["reference_name"],
			m["institution"],
			deliver=False,
		)
		for m in messages
	]
	jobs = []
	monkeypatch.setattr(sms, "enqueue_deliveries", jobs.append)
	together = sms.send_many(REGISTERED, messages)
	assert rows(together) == rows(one_by_one)
	assert [r.status for r in rows(together)] == ["Queued", "Opted Out"]
	assert jobs == [together[:1]]  # one job, the opted-out number left out

	before = frappe.db.count("HSQ SMS Log")
	with pytest.raises(frappe.ValidationError):
		sms.send_many(REGISTERED, [messages[0], {**messages[1], "to": "--"}])
	assert frappe.db.count("HSQ SMS Log") == before and len(jobs) == 1


def test_the_repeat_check_uses_the_compiled_matcher_and_it_gives_difflibs_ratios():
	"""cydifflib (a dependency) is difflib compiled: on Chinese texts of every length, its three
	ratios are difflib's to the last bit, so a repeat is what it was with the standard library."""
	import difflib
	import random

	assert repeats.SequenceMatcher.__module__.startswith("cydifflib")
	rng = random.Random(11)
	chars = "门诊挂号排队时间过长候诊超过两小时医生态度冷淡护士服务收费不合理药房取药，。"
	base = "门诊挂号排队时间过长，候诊超过两小时"
	texts = [""] + [
		(base if rng.random() < 0.5 else "") + "".join(rng.choice(chars) for _ in range(rng.randint(0, 400)))
		for _ in range(150)
	]
	for a, b in zip(texts, reversed(texts), strict=True):
		ours, std = (
			m(None, a, b, autojunk=False) for m in (repeats.SequenceMatcher, difflib.SequenceMatcher)
		)
		assert (ours.real_quick_ratio(), ours.quick_ratio(), ours.ratio()) == (
			std.real_quick_ratio(),
			std.quick_ratio(),
			std.ratio(),
		)


def test_without_the_compiled_matcher_the_standard_librarys_is_used(monkeypatch):
	"""A platform without cydifflib's wheel still registers complaints: the same check, slower."""
	import difflib
	import importlib
	import sys

	monkeypatch.setitem(sys.modules, "cydifflib", None)  # its import now fails
	try:
		importlib.reload(repeats)
		assert repeats.SequenceMatcher is difflib.SequenceMatcher
		assert repeats._Matcher("挂号排队两小时").similar("挂号排队三小时", 0.8)
	finally:
		monkeypatch.undo()
		importlib.reload(repeats)
	assert repeats.SequenceMatcher.__module__.startswith("cydifflib")


def test_a_records_messages_are_found_through_an_index_not_by_reading_the_whole_log():
	"""Every registration job asks which of its complaints were told already: with the log's
	(reference_doctype, reference_name) index, not a scan of a log that grows for years."""
	from hsq_app.patches.v1 import sms_log_reference_index

	sms_log_reference_index.execute()  # a site made before the index: the patch adds it, again harmless
	indexes = frappe.db.sql("show index from `tabHSQ SMS Log`", as_dict=True)
	columns = [i.Column_name for i in indexes if i.Key_name == "reference_doctype_reference_name_index"]
	assert columns == ["reference_doctype", "reference_name"]
	plan = frappe.db.sql(
		"""explain select reference_name from `tabHSQ SMS Log` where reference_doctype = %s
		and reference_name in %s and template = %s""",
		("HSQ Complaint", ["HSQ-C-1", "HSQ-C-2"], "x"),
		as_dict=True,
	)
	assert "reference_doctype_reference_name_index" in (plan[0].possible_keys or "")


def test_a_deliverys_outcome_is_written_in_plain_sql_as_frappes_set_value_wrote_it(shared_world, monkeypatch):
	"""sms.deliver records the attempt without Frappe's query engine (a burst delivers a message per
	complaint): the same values, ``modified`` untouched, the row's cached document cleared."""
	w = shared_world
	complaint = register(w)
	[name] = sms.send_many(
		REGISTERED,
		[
			{
				"to": phone(),
				"context": {"institution": "县人民医院", "tracking_code": "T1", "resolve_by": "2026-12-09"},
				"reference_doctype": "HSQ Complaint",
				"reference_name": complaint.name,
				"institution": w.a.institution,
			}
		],
	)
	frappe.db.set_value(sms.LOG, name, {"status": "Queued", "sent_at": None}, update_modified=False)
	modified = frappe.db.get_value(sms.LOG, name, "modified")
	assert frappe.get_cached_doc(sms.LOG, name).status == "Queued"
	built = []
	real = frappe.qb.get_query
	monkeypatch.setattr(frappe.qb, "get_query", lambda *a, **k: built.append(a) or real(*a, **k))
	assert sms.deliver(name) == "Sent"
	assert built == []
	row = frappe.db.get_value(sms.LOG, name, ["status", "attempts", "sent_at", "modified"], as_dict=True)
	assert row.status == "Sent" and row.sent_at and row.modified == modified
	assert frappe.get_cached_doc(sms.LOG, name).status == "Sent"

	# an opted-out receiver: the same way
	frappe.db.set_value(sms.LOG, name, "status", "Queued", update_modified=False)
	sms.opt_out(frappe.db.get_value(sms.LOG, name, "receiver"))
	built.clear()
	assert sms.deliver(name) == "Opted Out"
	assert built == []
	assert frappe.get_cached_doc(sms.LOG, name).status == "Opted Out"

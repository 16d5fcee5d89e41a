"""Machine doors (intake API, public page) put the complaint into the officers' worklist by a job
after the commit; the desk's registration and workflow actions assign in the request (issue 14)."""

import random
import time
from unittest.mock import patch

import frappe
import pytest
from complaint_steps import act, registered
from factories import as_user, make_user, remove_committed_complaints, uid
from rest import api_token, request

from hsq_app import roles as R
from hsq_app.complaints import complainant_sms, repeats, stats, worklist
from hsq_app.complaints import workflow as wf


def registration_sms(name):
	return frappe.db.count("HSQ SMS Log", {"reference_name": name, "template": complainant_sms.REGISTERED})


def open_todos(name):
	return set(
		frappe.get_all("ToDo", filters={"reference_name": name, "status": "Open"}, pluck="allocated_to")
	)


@pytest.fixture
def http_intake(shared_world, monkeypatch):
	"""A committed intake account; jobs the requests enqueue (at their commit) are recorded, not
	sent to Redis.
	Complaints made here are removed afterwards."""
	enqueued, made = [], []
	monkeypatch.setattr(frappe, "enqueue", lambda method, **kw: enqueued.append((method, kw)))
	monkeypatch.setattr(worklist, "_queued", {})  # each test's requests queue their own seconds' jobs
	user = make_user(R.INTAKE_INTEGRATION)
	frappe.db.commit()
	yield frappe._dict(token=api_token(user), enqueued=enqueued, made=made, w=shared_world)
	remove_committed_complaints(made)


def run_worklist_jobs(enqueued, name):
	"""The job of the second the request committed in, enqueued then; run as the worker would
	(without waiting for the second to end: it is over)."""
	jobs = [kw for method, kw in enqueued if method == worklist.JOB]
	assert jobs
	job = jobs[-1]
	assert job["queue"] == "short" and job["deduplicate"]  # enqueued when the request committed
	assert job["job_id"] == worklist.job_id(job["bucket"])
	assert frappe.cache.sismember(worklist.WAITING, name)
	assert frappe.get_attr(worklist.JOB)(bucket=job["bucket"]) >= 1
	assert not frappe.cache.sismember(worklist.WAITING, name)


def cells_total(institution, channel=None):
	"""The complaints the report cells count for the institution today (of one channel)."""
	return frappe.db.sql(
		"""select ifnull(sum(total), 0) from `tabHSQ Complaint Day Stat` where institution = %s
		and day = %s and (%s is null or channel = %s)""",
		(institution, frappe.utils.today(), channel, channel),
	)[0][0]


def rows_total(institution, channel):
	"""The same, counted from the complaints themselves."""
	return frappe.db.sql(
		"""select count(*) from `tabHSQ Complaint` where institution = %s and channel = %s
		and date(received_at) = %s and ifnull(workflow_state, '') != %s and ifnull(merged_into, '') = ''""",
		(institution, channel, frappe.utils.today(), wf.NOT_ACCEPTED),
	)[0][0]


def test_intake_complaint_reaches_the_worklist_when_its_job_runs(http_intake):
	w = http_intake.w
	payload = {"channel": "12345 Hotline", "external_ref": uid("GD"), "institution": w.a.institution}
	payload.update(category="Waiting Time", description="挂号排队两小时", complainant_phone="13700000000")
	url = "/api/method/hsq_app.api.intake.create_complaint"
	resp = request("POST", url, token=http_intake.token, json_body=payload)
	assert resp.status_code == 200, resp.body
	name = resp.body["message"]["name"]
	http_intake.made.append(name)
	frappe.db.rollback()
	assert frappe.db.exists("HSQ Complaint", name)
	# answered before the worklist, the registration SMS and the report cells
	assert open_todos(name) == set() and registration_sms(name) == 0
	counted = cells_total(w.a.institution)
	run_worklist_jobs(http_intake.enqueued, name)
	assert open_todos(name) == {w.a.officer} and registration_sms(name) == 1
	assert cells_total(w.a.institution) == counted + 1
	worklist.assign(name)  # a second run (a retried job) changes nothing
	assert open_todos(name) == {w.a.officer} and registration_sms(name) == 1
	assert frappe.db.count("ToDo", {"reference_name": name}) == 1


def test_public_complaint_reaches_the_worklist_when_its_job_runs(http_intake):
	w = http_intake.w
	resp = request(
		"POST",
		"/api/method/hsq_app.api.public.submit_complaint",
		json_body={"institution": w.a.institution, "description": "导诊态度差", "is_anonymous": 1},
		ip=f"10.77.{uid().__hash__() % 250}.{uid().__hash__() % 250}",
	)
	assert resp.status_code == 200, resp.body
	name = resp.body["message"]["name"]
	http_intake.made.append(name)
	frappe.db.rollback()
	assert open_todos(name) == set()
	run_worklist_jobs(http_intake.enqueued, name)
	assert open_todos(name) == {w.a.officer}


def test_desk_registration_and_actions_assign_in_the_request(shared_world, monkeypatch):
	w = shared_world
	enqueued = []
	monkeypatch.setattr(frappe, "enqueue", lambda method, **kw: enqueued.append(method))
	name = registered(w, complainant_phone="13711112222")
	assert open_todos(name) == {w.a.officer} and registration_sms(name) == 1
	act(w.a.officer, name, "Dispatch", department=w.a.dept1)
	assert open_todos(name) == {w.a.head1}
	assert worklist.JOB not in enqueued
	# no Frappe Workflow Action rows for complaints: their worklist is the ToDo
	assert not frappe.db.exists(
		"Workflow Action", {"reference_doctype": "HSQ Complaint", "reference_name": name}
	)


def test_a_job_that_never_ran_is_caught_up(shared_world):
	w = shared_world
	from hsq_app.api.intake import create_complaint

	number = f"137{uid().__hash__() % 10**8:08d}"
	earlier = registered(w, complainant_phone=number)  # at the desk: a repeat is marked at once
	as_user(make_user(R.INTAKE_INTEGRATION))
	name = create_complaint(
		channel="Letters and Visits",
		external_ref=uid("XF"),
		institution=w.a.institution,
		category="Waiting Time",
		description="信访转办",
		complainant_phone=number,
	)["name"]
	frappe.set_user("Administrator")
	# its job would be enqueued at the commit (never, in a test)
	assert open_todos(name) == set() and registration_sms(name) == 0
	assert frappe.db.get_value("HSQ Complaint", name, "repeat_of") is None
	assert worklist.catch_up() >= 1
	assert open_todos(name) == {w.a.officer} and registration_sms(name) == 1
	assert frappe.db.get_value("HSQ Complaint", name, ["repeat_of", "repeat_count"]) == (earlier, 1)
	worklist.assign(name)  # again: nothing changes
	assert frappe.db.get_value("HSQ Complaint", name, ["repeat_of", "repeat_count"]) == (earlier, 1)
	assert registration_sms(name) == 1
	act(w.a.officer, name, "Dispatch", department=w.a.dept1)
	assert frappe.db.get_value("HSQ Complaint", name, "workflow_state") == wf.DISPATCHED
	assert open_todos(name) == {w.a.head1}


def test_one_job_a_second_takes_every_complaint_of_that_second(http_intake):
	"""Complaints sent together (a platform's burst) share their second's job: one deduplicated
	job id, every complaint in the waiting set, all in the officers' worklist after one run."""
	w = http_intake.w
	url = "/api/method/hsq_app.api.intake.create_complaint"
	names = []
	for i in range(4):
		payload = {"channel": "12345 Hotline", "external_ref": uid("GD"), "institution": w.a.institution}
		payload.update(category="Fees", description=f"收费问题{i}", is_anonymous=1)
		resp = request("POST", url, token=http_intake.token, json_body=payload)
		assert resp.status_code == 200, resp.body
		names.append(resp.body["message"]["name"])
	http_intake.made.extend(names)
	frappe.db.rollback()
	jobs = [kw for method, kw in http_intake.enqueued if method == worklist.JOB]
	# within one or two seconds: one job each, queued once by this process
	assert 1 <= len(jobs) <= 2 and len({j["job_id"] for j in jobs}) == len(jobs)
	assert all(frappe.cache.sismember(worklist.WAITING, n) for n in names)
	waits = []
	real_sleep = time.sleep
	with patch.object(worklist.time, "sleep", lambda s: (waits.append(s), real_sleep(s))):
		assert worklist.drain(bucket=jobs[-1]["bucket"]) >= 4
	# it waits at most for its second to end (the wait, not the work: a loaded machine is slow)
	assert all(0 < s <= worklist.BATCH_SECONDS + worklist.MARGIN_SECONDS for s in waits)
	assert all(open_todos(n) == {w.a.officer} for n in names)


def test_a_redis_that_refuses_the_job_does_not_fail_the_stored_complaint(http_intake, monkeypatch):
	w = http_intake.w

	def refuse(method, **kw):
		raise ConnectionError("Redis is down")

	monkeypatch.setattr(frappe, "enqueue", refuse)
	payload = {"channel": "Letters and Visits", "external_ref": uid("XF"), "institution": w.a.institution}
	payload.update(category="Waiting Time", description="信访件", is_anonymous=1)
	url = "/api/method/hsq_app.api.intake.create_complaint"
	resp = request("POST", url, token=http_intake.token, json_body=payload)
	assert resp.status_code == 200, resp.body
	name = resp.body["message"]["name"]
	http_intake.made.append(name)
	frappe.db.rollback()
	assert frappe.db.exists("HSQ Complaint", name) and open_todos(name) == set()
	monkeypatch.setattr(frappe, "enqueue", lambda method, **kw: None)  # Redis is back
	worklist.catch_up()  # the hourly safety net
	assert open_todos(name) == {w.a.officer}


def _intake(http_intake, **extra):
	w = http_intake.w
	payload = {"channel": "12345 Hotline", "external_ref": uid("GD"), "institution": w.a.institution}
	payload.update({"category": "Waiting Time", "description": "挂号排队两小时", **extra})
	resp = request(
		"POST", "/api/method/hsq_app.api.intake.create_complaint", token=http_intake.token, json_body=payload
	)
	assert resp.status_code == 200, resp.body
	name = resp.body["message"]["name"]
	http_intake.made.append(name)
	return name


def _assignment_records(name):
	"""What the officers, the timeline and the bell see of a complaint's assignment, names and
	times left out."""
	todos = frappe.get_all(
		"ToDo",
		filters={"reference_type": "HSQ Complaint", "reference_name": name},
		fields=[
			"status",
			"priority",
			"date",
			"description",
			"assigned_by",
			"assigned_by_full_name",
			"allocated_to",
		],
	)
	comments = frappe.get_all(
		"Comment",
		filters={"reference_doctype": "HSQ Complaint", "reference_name": name, "comment_type": "Assigned"},
		fields=["comment_email", "content"],
	)
	bell = frappe.get_all(
		"Notification Log",
		filters={"document_type": "HSQ Complaint", "document_name": name},
		fields=["type", "for_user", "from_user", "subject", "email_content", "read"],
	)
	assign = frappe.parse_json(frappe.db.get_value("HSQ Complaint", name, "_assign") or "[]")
	return [
		[{**t, "description": t.description.replace(name, "<name>")} for t in todos],
		[{**c, "content": c.content.replace(name, "<name>")} for c in comments],
		[
			{
				**n,
				"subject": n.subject.replace(name, "<name>"),
				"email_content": n.email_content.replace(name, "<name>"),
			}
			for n in bell
		],
		assign,
	]


def test_a_seconds_complaints_are_assigned_together_as_frappe_assigns_one(http_intake):
	"""The job registers a second's fresh complaints together (a few statements, not a document
	insert per ToDo, comment and notification): the officer's ToDo, the timeline's line, `_assign`
	and the bell are what Frappe's assign_to.add makes for the same complaint one by one."""
	w = http_intake.w
	together = [_intake(http_intake, is_anonymous=1) for _ in range(3)]
	alone = _intake(http_intake, is_anonymous=1)
	frappe.db.rollback()
	jobs = [kw for method, kw in http_intake.enqueued if method == worklist.JOB]
	frappe.cache.srem(worklist.WAITING, alone)
	assert worklist.drain(bucket=jobs[-1]["bucket"]) >= 3
	http_intake.enqueued.clear()
	worklist.assign(alone)  # one by one, through assign_to.add (the catch-up's way)
	frappe.db.commit()
	for method, kw in http_intake.enqueued:  # the notification job assign_to.add queued
		if method.endswith("make_notification_logs"):
			frappe.get_attr(method)(doc=kw["doc"], users=kw["users"])
	frappe.db.commit()
	expected = _assignment_records(alone)
	todos, comments, bell, assign = expected
	assert [t["allocated_to"] for t in todos] == [w.a.officer] and assign == [w.a.officer]
	assert len(comments) == 1 and [n["for_user"] for n in bell] == [w.a.officer]
	for name in together:
		assert _assignment_records(name) == expected
	frappe.db.delete("Notification Log", {"document_name": ("in", [*together, alone])})
	frappe.db.commit()


def test_a_complaint_acted_on_before_its_job_is_left_as_the_action_left_it(http_intake):
	"""A quality officer dispatched the complaint before the job ran: the job neither adds the
	officer's ToDo again nor takes the head's away, and still sends the registration SMS."""
	w = http_intake.w
	acted = _intake(http_intake, complainant_phone="13700000001")
	fresh = _intake(http_intake, is_anonymous=1)
	frappe.db.commit()
	act(w.a.officer, acted, "Dispatch", department=w.a.dept1)
	frappe.db.commit()
	frappe.set_user("Administrator")
	jobs = [kw for method, kw in http_intake.enqueued if method == worklist.JOB]
	assert worklist.drain(bucket=jobs[-1]["bucket"]) >= 2
	assert open_todos(acted) == {w.a.head1} and open_todos(fresh) == {w.a.officer}
	assert registration_sms(acted) == 1
	worklist.drain()  # nothing waits any more; a run of assign changes nothing
	worklist.assign(fresh)
	assert frappe.db.count("ToDo", {"reference_name": fresh}) == 1


def test_a_process_queues_a_seconds_job_once_and_it_takes_every_complaint_of_the_second(http_intake):
	"""Within one second a process queues the second's job once (its later requests do not read it
	back from Redis); the job takes every complaint of that second, and the next second has its own."""
	from types import SimpleNamespace

	now = [float(int(time.time())) + 0.1]
	clock = SimpleNamespace(time=lambda: now[0], sleep=time.sleep)  # the worklist's clock only
	with patch.object(worklist, "time", clock):
		first = [_intake(http_intake, complainant_phone=f"1372222{i:04d}") for i in range(3)]
		jobs = [kw for method, kw in http_intake.enqueued if method == worklist.JOB]
		assert len(jobs) == 1 and jobs[0]["bucket"] == int(now[0])
		now[0] += 1
		later = _intake(http_intake, complainant_phone="13722229999")
	jobs = [kw for method, kw in http_intake.enqueued if method == worklist.JOB]
	assert [j["bucket"] for j in jobs] == [int(now[0]) - 1, int(now[0])]
	frappe.db.rollback()
	worklist.drain(bucket=jobs[0]["bucket"])
	assert all(open_todos(name) == {http_intake.w.a.officer} for name in (*first, later))


def test_a_seconds_registration_messages_go_out_in_one_job(http_intake):
	"""The registration texts of a second's complaints are delivered by one job, not a forked job
	each; every message is attempted once."""
	names = [_intake(http_intake, complainant_phone=f"1370000{i:04d}") for i in range(2)]
	frappe.db.rollback()
	jobs = [kw for method, kw in http_intake.enqueued if method == worklist.JOB]
	http_intake.enqueued.clear()
	assert worklist.drain(bucket=jobs[-1]["bucket"]) >= 2
	logs = frappe.get_all(
		"HSQ SMS Log",
		filters={"reference_name": ("in", names), "template": complainant_sms.REGISTERED},
		pluck="name",
	)
	assert len(logs) == 2
	deliveries = [kw for method, kw in http_intake.enqueued if method == "hsq_app.utils.outbox.attempt_many"]
	assert len(deliveries) == 1 and set(deliveries[0]["names"]) >= set(logs)
	assert not [m for m, _kw in http_intake.enqueued if m == "hsq_app.messaging.sms.deliver"]
	job = deliveries[0]
	frappe.get_attr("hsq_app.utils.outbox.attempt_many")(job=job["job"], arg=job["arg"], names=job["names"])
	statuses = frappe.get_all("HSQ SMS Log", filters={"name": ("in", logs)}, pluck="status")
	assert "Queued" not in statuses and all(
		frappe.db.get_value("HSQ SMS Log", log, "attempts") <= 1 for log in logs
	)


def test_without_a_gateway_a_seconds_messages_are_held_at_once_and_go_out_once_it_is_set_up(http_intake):
	"""A new county site has no SMS gateway yet: the job of a second's registration texts holds
	them all (Held, no attempt used, the reason kept) without trying each message; when the admin
	sets up the gateway they go out, each once."""
	from hsq_app.messaging import gateway, sms
	from hsq_app.utils import outbox

	names = [_intake(http_intake, complainant_phone=f"1371111{i:04d}") for i in range(3)]
	frappe.db.rollback()
	jobs = [kw for method, kw in http_intake.enqueued if method == worklist.JOB]
	http_intake.enqueued.clear()
	assert worklist.drain(bucket=jobs[-1]["bucket"]) >= 3
	logs = frappe.get_all(
		sms.LOG,
		filters={"reference_name": ("in", names), "template": complainant_sms.REGISTERED},
		pluck="name",
	)
	[job] = [kw for method, kw in http_intake.enqueued if method == "hsq_app.utils.outbox.attempt_many"]
	assert set(job["names"]) >= set(logs) and job["unready"] == "hsq_app.messaging.gateway.unready"

	frappe.db.set_single_value("SMS Settings", "sms_gateway_url", "")  # a new site: none yet
	frappe.clear_document_cache("SMS Settings", "SMS Settings")
	tried = []
	frappe.flags.hsq_fake_sms = False  # the real gateway, which is not configured
	try:
		with patch.object(outbox, "attempt", lambda *a, **kw: tried.append(a)):
			args = {k: job[k] for k in ("job", "arg", "names", "doctype", "unready")}
			frappe.get_attr("hsq_app.utils.outbox.attempt_many")(**args)
	finally:
		frappe.flags.hsq_fake_sms = True
	assert not tried
	rows = frappe.get_all(
		sms.LOG, filters={"name": ("in", logs)}, fields=["status", "attempts", "last_error"]
	)
	assert {(r.status, r.attempts) for r in rows} == {("Held", 0)}
	assert all("SMS Settings" in r.last_error for r in rows)

	gateway.FakeGateway.reset()
	http_intake.enqueued.clear()
	settings = frappe.get_doc("SMS Settings")  # the admin sets up the gateway
	settings.sms_gateway_url = "https://sms.example.com/send"
	settings.message_parameter, settings.receiver_parameter = "content", "mobile"
	settings.save()
	for method, kw in http_intake.enqueued:  # the held messages' attempts, queued by the save
		if method == sms.BOX.job:
			frappe.get_attr(method)(**{k: v for k, v in kw.items() if k == sms.BOX.arg})
	rows = frappe.get_all(sms.LOG, filters={"name": ("in", logs)}, fields=["status", "attempts", "message"])
	assert {(r.status, r.attempts) for r in rows} == {("Sent", 1)}
	sent = [m for _to, m in gateway.FakeGateway.outbox]  # (with other tests' held messages)
	assert all(sent.count(r.message) == 1 for r in rows)


def test_whether_a_doctype_is_single_comes_from_its_cached_meta():
	"""Frappe asks the database on every new document's defaults; the app reads the cached meta
	(hsq_app.boot.single_from_meta), which must say the same for every DocType."""
	from frappe.model import meta

	assert getattr(meta.is_single, "hsq_wrapped", False)
	for name, issingle in frappe.db.sql("select name, issingle from tabDocType"):
		assert meta.is_single(name) == issingle, name
	assert meta.is_single("No Such DocType") is None
	assert frappe.new_doc("HSQ Settings").doctype == "HSQ Settings"  # a single still gets defaults


def test_a_seconds_complaints_are_marked_as_repeats_as_one_by_one(http_intake):
	"""The job reads its chunk's earlier complaints once per institution (repeats.earlier_reports_of)
	rather than twice per complaint: each complaint's marks are what the check of that complaint
	alone finds (issue 14)."""
	w = http_intake.w
	tag = uid("R")
	phone = f"139{random.randrange(10**8):08d}"
	text = f"急诊{tag}候诊时间太长，排队两个小时没有人管，护士也不解释"
	first = _intake(http_intake, complainant_phone=phone, description=f"收费{tag}不清楚，多收了检查费")
	frappe.db.rollback()
	run_worklist_jobs(http_intake.enqueued, first)
	http_intake.enqueued.clear()
	burst = [
		_intake(http_intake, complainant_phone=phone, description=f"药房{tag}取药等太久"),
		_intake(http_intake, is_anonymous=1, description=text),
		_intake(http_intake, is_anonymous=1, description=text + "。"),
		_intake(http_intake, is_anonymous=1, description=text, institution=w.b.institution),
		_intake(http_intake, is_anonymous=1, description=f"停车{tag}收费太贵"),
	]
	frappe.db.rollback()
	jobs = [kw for method, kw in http_intake.enqueued if method == worklist.JOB]
	assert worklist.drain(bucket=jobs[-1]["bucket"]) >= len(burst)
	marks = {
		n: frappe.db.get_value("HSQ Complaint", n, ["repeat_of", "repeat_count"]) for n in [first, *burst]
	}
	assert marks[burst[0]] == (first, 1)  # the same phone
	assert marks[burst[2]] == (burst[1], 1)  # the same matter at the same institution
	assert marks[burst[1]] == (None, 0) and marks[burst[4]] == (None, 0)
	assert marks[burst[3]] == (None, 0)  # the same text at another institution
	for name in [first, *burst]:
		earlier = repeats.earlier_reports(frappe.get_doc("HSQ Complaint", name))
		assert marks[name] == (earlier[0].name if earlier else None, len(earlier)), name


def test_without_an_outgoing_account_the_bell_rings_and_one_error_is_logged_an_hour(http_intake, monkeypatch):
	"""No outgoing e-mail account: the officers' notifications are still in the bell, no e-mail
	is tried, and the admin gets one Error Log for the hour, not one for every second's job."""
	from frappe.email.doctype.email_account.email_account import EmailAccount

	from hsq_app.complaints import registration

	monkeypatch.setattr(EmailAccount, "find_outgoing", classmethod(lambda cls, **kw: None))
	frappe.cache.delete_value(registration.NO_OUTGOING_EMAIL_LOGGED)
	since = frappe.utils.now_datetime()
	names = []
	for _second in range(2):
		name = _intake(http_intake, is_anonymous=1)
		names.append(name)
		frappe.db.rollback()
		run_worklist_jobs(http_intake.enqueued, name)
	bell = frappe.get_all("Notification Log", filters={"document_name": ("in", names)}, pluck="document_name")
	assert sorted(bell) == sorted(names)
	errors = frappe.get_all(
		"Error Log",
		filters={"creation": (">=", since), "method": "Failed to send notification email"},
		fields=["error"],
	)
	assert len(errors) == 1 and "发件" in frappe._("No outgoing email account is set up", lang="zh")
	assert not frappe.db.exists(
		"Email Queue", {"creation": (">=", since), "message": ("like", f"%{names[0]}%")}
	)
	frappe.db.delete("Notification Log", {"document_name": ("in", names)})
	frappe.db.commit()


def test_a_bursts_cells_are_recounted_every_few_seconds_and_when_it_ends(http_intake, monkeypatch):
	"""During a platform's burst (complaints already waiting for the next second's job) the
	worklist job recounts the report cells at most every few seconds; the burst's last job, with
	nothing waiting after it, recounts whatever was put off. Nothing is left uncounted."""
	w = http_intake.w
	hotline, letters = "12345 Hotline", "Letters and Visits"
	monkeypatch.setitem(frappe.conf, "hsq_cells_recount_seconds", 60)  # a slow machine stays within it
	frappe.cache.delete_value(stats.CELLS_RECOUNTED)
	_first = _intake(http_intake, is_anonymous=1, channel=hotline)
	second, third = (_intake(http_intake, is_anonymous=1, channel=letters) for _ in range(2))
	frappe.db.rollback()
	before = cells_total(w.a.institution, letters)
	try:
		for name in (second, third):
			frappe.cache.srem(worklist.WAITING, name)
		with patch.object(worklist, "_more_waiting", return_value=True):
			assert worklist.drain() >= 1  # the burst's first recount: at once
			assert cells_total(w.a.institution, hotline) == rows_total(w.a.institution, hotline)
			frappe.cache.sadd(worklist.WAITING, second)
			assert worklist.drain() == 1  # a second later: put off
		assert open_todos(second) == {w.a.officer}  # only its cells wait
		assert cells_total(w.a.institution, letters) == before
		assert frappe.cache.scard(frappe.cache.make_key(stats.CELLS_WAITING)) >= 1
		frappe.cache.sadd(worklist.WAITING, third)
		assert worklist.drain() == 1  # the burst's last job: nothing waits after it
		assert cells_total(w.a.institution, letters) == rows_total(w.a.institution, letters) >= before + 2
		assert frappe.cache.scard(frappe.cache.make_key(stats.CELLS_WAITING)) == 0
	finally:
		frappe.cache.delete_value(stats.CELLS_RECOUNTED)


def test_cells_put_off_by_a_job_whose_successor_never_came_are_recounted_hourly(http_intake):
	w = http_intake.w
	name = _intake(http_intake, is_anonymous=1)
	frappe.db.rollback()
	counted = cells_total(w.a.institution)
	frappe.cache.set_value(stats.CELLS_RECOUNTED, 1, expires_in_sec=60)  # a recount a moment ago
	try:
		frappe.cache.srem(worklist.WAITING, name)
		with patch.object(worklist, "_more_waiting", return_value=True):
			with worklist.read_committed():
				assert worklist._drain([name]) == 1  # its successor's worker was killed, say
		assert cells_total(w.a.institution) == counted
		assert "hsq_app.complaints.stats.recount_waiting" in frappe.get_hooks("scheduler_events")["hourly"]
		assert stats.recount_waiting() >= 1
		assert cells_total(w.a.institution) == counted + 1
		assert stats.recount_waiting() == 0
	finally:
		frappe.cache.delete_value(stats.CELLS_RECOUNTED)


def test_a_put_off_cell_key_comes_back_from_redis_as_it_went_in():
	day = frappe.utils.getdate("2026-02-28")
	for key in (
		("Inst A", "Dept 1", "12345 Hotline", day),
		("Inst A", None, None, day),
		("ledger", "Inst A", None, "Fees", day),
		("resolved", "Inst A", day),
	):
		assert stats._load_key(stats._dump_key(key).encode()) == key


def test_a_complaints_cached_document_shows_what_its_job_wrote(http_intake):
	"""The job writes the repeat marks and ``_assign`` behind the document, then clears the
	document cache of the whole chunk at once: a cached read after it sees them."""
	w = http_intake.w
	number = f"137{uid().__hash__() % 10**8:08d}"
	earlier = _intake(http_intake, complainant_phone=number)
	name = _intake(http_intake, complainant_phone=number)
	frappe.db.rollback()
	for n in (earlier, name):
		frappe.cache.srem(worklist.WAITING, n)
	cached = frappe.get_cached_doc("HSQ Complaint", name)  # cached before its job
	assert not cached.repeat_of and not cached.get("_assign")
	with worklist.read_committed():
		assert worklist._drain([earlier, name]) == 2
	cached = frappe.get_cached_doc("HSQ Complaint", name)
	assert cached.repeat_of == earlier and frappe.parse_json(cached._assign) == [w.a.officer]


def test_a_recount_interval_of_zero_recounts_every_job_of_a_burst(http_intake, monkeypatch):
	w = http_intake.w
	monkeypatch.setitem(frappe.conf, "hsq_cells_recount_seconds", 0)
	frappe.cache.set_value(stats.CELLS_RECOUNTED, 1, expires_in_sec=60)  # a recount a moment ago
	try:
		name = _intake(http_intake, is_anonymous=1, channel="Letters and Visits")
		frappe.db.rollback()
		frappe.cache.srem(worklist.WAITING, name)
		with patch.object(worklist, "_more_waiting", return_value=True):
			with worklist.read_committed():
				assert worklist._drain([name]) == 1
		letters = cells_total(w.a.institution, "Letters and Visits")
		assert letters == rows_total(w.a.institution, "Letters and Visits")
	finally:
		frappe.cache.delete_value(stats.CELLS_RECOUNTED)


def test_a_redis_that_fails_while_cells_are_put_off_recounts_the_jobs_own_at_once(monkeypatch):
	recounted = []
	monkeypatch.setattr(stats, "recount_committed", recounted.append)

	def down(*args, **kw):
		raise ConnectionError("Redis is down")

	monkeypatch.setattr(frappe.cache, "set", down)
	key = ("Inst A", None, "12345 Hotline", frappe.utils.getdate())
	try:
		stats.recount_soon({key}, burst=True)
	finally:
		monkeypatch.undo()
		frappe.cache.execute_command("DEL", frappe.cache.make_key(stats.CELLS_WAITING))
	assert recounted == [{key}]


def test_a_bursts_recounts_pause_fifty_times_as_long_as_the_last_took_at_most_a_minute(monkeypatch):
	"""A recount reads the whole day's slices, so it grows with the day: a burst's next recount waits
	RECOUNT_PAUSE times as long as the last one took (never less than the site's interval, never
	more than a minute), and the burst's end still recounts at once."""
	recounted = []

	def slow_recount(keys):
		recounted.append(set(keys))
		time.sleep(0.15)

	monkeypatch.setattr(stats, "recount_committed", slow_recount)
	monkeypatch.setitem(frappe.conf, "hsq_cells_recount_seconds", 5)
	token = frappe.cache.make_key(stats.CELLS_RECOUNTED)
	took = frappe.cache.make_key(stats.CELLS_RECOUNT_TOOK)
	day = frappe.utils.getdate()
	a, b = (("Inst A", None, channel, day) for channel in ("12345 Hotline", "Letters and Visits"))
	try:
		frappe.cache.delete(token, took)
		assert stats.recount_pause(5) == 5  # nothing measured yet
		stats.recount_soon({a}, burst=True)  # the burst's first recount: at once, and timed
		assert recounted == [{a}]
		assert 0.15 <= float(frappe.cache.get(took)) < 1
		assert 4 <= frappe.cache.ttl(token) <= 5  # 50 × 0.15 s is 7.5 s, but the token was set before
		assert stats.recount_pause(5) >= 8 and stats.recount_pause(30) == 30
		stats.recount_soon({b}, burst=True)  # a moment later: put off
		assert recounted == [{a}]
		frappe.cache.delete(token)
		pause = stats.recount_pause(5)
		stats.recount_soon(set(), burst=True)  # the pause over: b, with the pause from the last
		assert recounted == [{a}, {b}] and pause - 1 <= frappe.cache.ttl(token) <= pause
		frappe.cache.set(took, 30, ex=60)  # a day of tens of thousands: a minute at most
		assert stats.recount_pause(5) == stats.RECOUNT_MOST == 60
		stats.recount_soon({a}, burst=True)
		assert recounted == [{a}, {b}]
		stats.recount_soon(set(), burst=False)  # the burst is over: at once, whatever the pause
		assert recounted == [{a}, {b}, {a}]
		assert frappe.cache.scard(frappe.cache.make_key(stats.CELLS_WAITING)) == 0
	finally:
		monkeypatch.undo()
		frappe.cache.delete(token, took, frappe.cache.make_key(stats.CELLS_WAITING))

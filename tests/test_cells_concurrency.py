"""The report cells are recounted from what is committed, without locking the complaints a desk is
saving at that moment (issue 14, the desk mix: 0-2 Dispatch actions a run failed with
QueryDeadlockError, each the victim of a recount holding share locks on its complaint's index
entries); and the worklist job's locking read takes its complaints by primary key, not the gap a
new complaint is inserted into."""

import frappe
import pymysql
import pytest
from factories import make_complaint, remove_committed_complaints

from hsq_app.complaints import registration, stats, worklist

RECOUNT_FAILED = "complaint cells not recounted (the daily recount will)"


def other_connection():
	"""A second session on the site's database: another desk's request, mid-transaction."""
	conf = frappe.conf
	return pymysql.connect(
		host=conf.db_host or "127.0.0.1",
		port=int(conf.db_port or 3306),
		user=conf.db_user or conf.db_name,
		password=conf.db_password,
		database=conf.db_name,
		charset="utf8mb4",
		autocommit=False,
	)


def day_total(institution, department, day) -> int:
	return int(
		frappe.db.sql(
			f"""select ifnull(sum(total), 0) from `tab{stats.DAY_STAT}`
			where institution = %s and department <=> %s and day = %s""",
			(institution, department, day),
		)[0][0]
	)


def counted(institution, department, day) -> int:
	return frappe.db.count(
		"HSQ Complaint",
		{
			"institution": institution,
			"department": department or ("is", "not set"),
			"received_at": ("between", (f"{day} 00:00:00", f"{day} 23:59:59.999999")),
			"workflow_state": ("!=", "Not Accepted"),
		},
	)


@pytest.fixture
def made(shared_world):
	names = []
	yield names
	remove_committed_complaints(names)


def test_a_recount_does_not_wait_for_a_complaint_being_dispatched(shared_world, made):
	w = shared_world
	c = make_complaint(w.a.institution)
	made.append(c.name)
	frappe.db.commit()
	day = frappe.utils.getdate(c.received_at)
	keys = stats.keys_of([c.name])
	errors = frappe.db.count("Error Log", {"method": RECOUNT_FAILED})

	desk = other_connection()
	try:
		with desk.cursor() as cur:  # a Dispatch under way: the complaint moved to a department, not committed
			cur.execute("set session innodb_lock_wait_timeout = 50")
			cur.execute("update `tabHSQ Complaint` set department = %s where name = %s", (w.a.dept1, c.name))
		frappe.db.sql("set session innodb_lock_wait_timeout = 1")
		try:
			stats.recount_committed(keys)  # share-locked the complaint before: 3 × 1 s waits, then gave up
		finally:
			frappe.db.sql("set session innodb_lock_wait_timeout = 50")
		assert frappe.db.count("Error Log", {"method": RECOUNT_FAILED}) == errors
		# counted as committed: still without a department
		assert day_total(w.a.institution, None, day) == counted(w.a.institution, None, day) >= 1
		desk.commit()  # the Dispatch commits; its own recount follows
	finally:
		desk.close()
	frappe.db.rollback()  # a fresh read: the complaint as the Dispatch committed it
	stats.recount_committed(keys | stats.keys_of([c.name]))
	assert day_total(w.a.institution, w.a.dept1, day) == counted(w.a.institution, w.a.dept1, day) >= 1
	assert day_total(w.a.institution, None, day) == counted(w.a.institution, None, day)
	assert frappe.db.sql("select @@session.tx_isolation")[0][0] == "REPEATABLE-READ"  # put back


def test_the_worklist_job_leaves_room_for_new_complaints(shared_world, made, monkeypatch):
	"""While the job registers a chunk (its complaints locked, its writes not committed), an intake
	request can still insert a new Registered complaint: the job's transaction holds its rows, not
	the gaps new complaints go into."""
	w = shared_world
	fresh = [make_complaint(w.a.institution, description=f"排队{i}").name for i in range(3)]
	made.extend(fresh)
	frappe.db.sql("delete from `tabToDo` where reference_name in %s", (fresh,))
	frappe.db.commit()
	inserted = []
	send = registration._send_registration_sms

	def an_intake_request_meanwhile(docs):
		desk = other_connection()
		try:
			with desk.cursor() as cur:
				cur.execute("set session innodb_lock_wait_timeout = 2")
				cur.execute(
					"insert into `tabHSQ Complaint` (name, workflow_state, docstatus, idx, institution)"
					" values ('TS-LOCK-PROBE', 'Registered', 0, 0, %s)",
					(w.a.institution,),
				)
				inserted.append(cur.rowcount)
			desk.rollback()
		finally:
			desk.close()
		return send(docs)

	monkeypatch.setattr(registration, "_send_registration_sms", an_intake_request_meanwhile)
	for name in fresh:
		frappe.cache.sadd(worklist.WAITING, name)
	assert worklist.drain() >= 3
	assert inserted == [1]  # not a lock wait (the chunk would have been taken one by one)
	open_todos = frappe.get_all(
		"ToDo", filters={"reference_name": ("in", fresh), "status": "Open"}, pluck="reference_name"
	)
	assert sorted(set(open_todos)) == sorted(fresh)
	assert frappe.db.sql("select @@session.tx_isolation")[0][0] == "REPEATABLE-READ"  # put back

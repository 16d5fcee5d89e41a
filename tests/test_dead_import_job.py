"""A desk discharge import whose worker was killed can be retried at once (issue 14, faults):
RQ keeps the killed job "started" until its one-hour timeout, and the retry was deduplicated
against it. A job whose worker is alive and still on it keeps blocking a second start."""

import os

import frappe
import pytest
from factories import as_user, uid
from frappe.utils.background_jobs import create_job_id, get_redis_conn
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.worker import Worker

from hsq_app.follow_up.imports import upload
from hsq_app.utils import jobs


def _import_with_rows(w, n=3) -> str:
	mrn = uid("KILL")
	lines = ["medical_record_no,patient_name,patient_phone,department,discharge_date"]
	lines += [f"{mrn}{i},患者{i},13800138000,内科,2026-03-02" for i in range(n)]
	file = frappe.get_doc(
		{"doctype": "File", "file_name": "kill.csv", "content": "\n".join(lines).encode(), "is_private": 1}
	).insert(ignore_permissions=True)
	doc = frappe.get_doc(
		{"doctype": "HSQ Discharge Import", "import_file": file.file_url, "institution": w.a.institution}
	).insert()
	doc.db_set("status", "Queued")  # what the Import button left when the worker was killed
	return doc.name


@pytest.fixture
def rq_job():
	"""An RQ job of this site in the test Redis, marked started; and a worker to run it."""
	conn = get_redis_conn()
	made = []

	def make(name, worker=None):
		job = Job.create(
			"hsq_app.follow_up.imports.upload.run_in_background",
			kwargs={"name": name},
			id=create_job_id(upload.job_id(name)),
			connection=conn,
			origin="long",
		)
		job.worker_name = worker.name if worker else f"{uid('gone')}.{os.uname().nodename}.999999.long"
		job.save()
		job.set_status(JobStatus.STARTED)
		made.append(job)
		return job

	def live_worker():
		worker = Worker([Queue("long", connection=conn)], name=uid("hsq-test-worker"), connection=conn)
		worker.register_birth()
		made.append(worker)
		return worker

	yield frappe._dict(make=make, live_worker=live_worker)
	for thing in made:
		if isinstance(thing, Worker):
			thing.register_death()
			conn.delete(thing.key)
		else:
			thing.delete()


def test_a_killed_workers_import_can_be_retried_at_once(shared_world, rq_job):
	from hsq_app.api.follow_up import start_discharge_import

	w = shared_world
	name = _import_with_rows(w)
	rq_job.make(name)  # started on a worker that no longer exists
	assert not jobs.is_live(upload.job_id(name))
	as_user(w.a.agent)
	start_discharge_import(name)
	frappe.set_user("Administrator")
	imp = frappe.get_doc("HSQ Discharge Import", name)
	assert (imp.status, imp.created) == ("Completed", 3)
	assert jobs.fetch(upload.job_id(name)) is None  # the dead job was cleared


def test_an_import_whose_worker_is_alive_is_not_started_twice(shared_world, rq_job):
	from hsq_app.api.follow_up import start_discharge_import

	w = shared_world
	name = _import_with_rows(w)
	worker = rq_job.live_worker()
	job = rq_job.make(name, worker=worker)
	worker.set_current_job_id(job.id)
	assert jobs.is_live(upload.job_id(name))
	as_user(w.a.agent)
	with pytest.raises(frappe.ValidationError):
		start_discharge_import(name)
	frappe.set_user("Administrator")
	assert frappe.db.get_value("HSQ Discharge Import", name, "created") == 0
	# the worker goes on to another job: this one was lost with it
	worker.set_current_job_id("some-other-job")
	assert not jobs.is_live(upload.job_id(name))

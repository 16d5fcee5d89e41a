"""Is a background job really running? RQ keeps a job "started" after its worker was killed
(``kill -9``, a lost machine) until the job's timeout, which blocks a deduplicated retry for
that long (benchmarks/README.md, faults). A started job is taken as dead when its worker is gone:
no longer registered, working on another job now, a process of this machine that no longer
exists, or silent (RQ's worker renews the job's heartbeat while the job runs) for longer than
``SILENT_SECONDS``.
"""

from __future__ import annotations

import os
import socket

import frappe
from frappe.utils.background_jobs import create_job_id, get_redis_conn
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.worker import Worker

# RQ 1.15 renews a running job's heartbeat every job_monitoring_interval (30 s)
SILENT_SECONDS = 180


def fetch(job_id: str) -> Job | None:
	try:
		return Job.fetch(create_job_id(job_id), connection=get_redis_conn())
	except NoSuchJobError:
		return None


def pid_alive(pid: int) -> bool:
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	except PermissionError:
		return True  # someone else's process: it exists
	return True


def worker_gone(job: Job) -> bool:
	if not job.worker_name:
		return True
	worker = Worker.find_by_key(
		Worker.redis_worker_namespace_prefix + job.worker_name, connection=job.connection
	)
	if worker is None:
		return True
	if worker.get_current_job_id() != job.id:
		return True
	if worker.hostname == socket.gethostname() and worker.pid and not pid_alive(worker.pid):
		return True
	beat = job.last_heartbeat
	if beat is not None:
		from rq.utils import utcnow

		return (utcnow() - beat).total_seconds() > SILENT_SECONDS
	return False


def is_live(job_id: str) -> bool:
	"""The job is waiting in its queue, or started on a worker that is still working on it."""
	job = fetch(job_id)
	if job is None:
		return False
	status = job.get_status()
	if status == JobStatus.QUEUED:
		return True
	if status != JobStatus.STARTED:
		return False
	return not worker_gone(job)


def forget_if_dead(job_id: str) -> bool:
	"""Delete a job whose worker is gone (so that a retry with the same id is not deduplicated
	against it); True when the job is not live (never was, finished, failed or dead)."""
	job = fetch(job_id)
	if job is None:
		return True
	if is_live(job_id):
		return False
	if job.get_status() == JobStatus.STARTED:
		frappe.logger("hsq").warning(f"background job {job.id}: its worker {job.worker_name} is gone")
		job.delete()
	return True

"""The production shape's RQ workers (hsq_app/utils/worker.py): Frappe's worker with the jobs' code
imported before it forks, so a job's work horse does not import it again."""

from __future__ import annotations

import subprocess
import sys

import frappe
from frappe.utils.background_jobs import get_queue
from ops import bench_path

from hsq_app.utils import worker


def test_the_worker_loads_the_jobs_code_and_none_is_left_out():
	imported, failed = worker.preload()
	assert failed == []
	assert imported == len(worker.FRAPPE_MODULES) + len(worker.app_modules())
	for name in (
		"hsq_app.complaints.worklist",
		"hsq_app.complaints.registration",
		"hsq_app.complaints.sla.sweep",
		"frappe.email.doctype.email_queue.email_queue",
	):
		assert name in sys.modules
	assert not any(m.startswith("hsq_app.patches.") for m in worker.app_modules())


def _run_worker(*extra: str) -> subprocess.CompletedProcess:
	return subprocess.run(
		[
			str(bench_path() / "env" / "bin" / "python"),
			"-m",
			"hsq_app.utils.worker",
			"--queue",
			"short",
			*extra,
		],
		cwd=str(bench_path() / "sites"),
		capture_output=True,
		text=True,
		timeout=300,
		stdin=subprocess.DEVNULL,
	)


def test_a_queued_job_runs_on_the_worker_and_answers():
	job = frappe.enqueue("frappe.utils.data.add_days", queue="short", date="2026-12-31", days=1)
	done = _run_worker("--burst")
	assert done.returncode == 0, done.stderr[-2000:]
	assert "modules loaded before forking; left to the jobs: none" in done.stdout
	job.refresh()
	assert job.get_status() == "finished"
	assert str(job.return_value()) == "2027-01-01"


def test_the_short_queues_jobs_run_one_after_another_in_the_workers_own_process():
	"""``--no-fork`` (the production shape's short queue): no work horse a job, each job's site set
	up and torn down as before, and a failing job fails alone."""
	import time

	jobs = [frappe.enqueue("hsq_app.utils.worker.process_id", queue="short") for _ in range(2)]
	failing = frappe.enqueue("frappe.throw", queue="short", msg="不行")
	# a job past its timeout is stopped (the worklist job waits 1.3 s for a second that is not over)
	late = frappe.enqueue(
		"hsq_app.complaints.worklist.drain", queue="short", timeout=1, bucket=int(time.time()) + 60
	)
	after = frappe.enqueue("frappe.utils.data.add_days", queue="short", date="2026-12-31", days=1)
	done = _run_worker("--burst", "--no-fork")
	assert done.returncode == 0, done.stderr[-2000:]
	assert "jobs run in this process" in done.stdout
	pids = set()
	for job in jobs:
		job.refresh()
		assert job.get_status() == "finished", job.exc_info
		pids.add(job.return_value())
	assert len(pids) == 1  # the same process ran both
	failing.refresh()
	assert failing.get_status() == "failed"
	late.refresh()
	assert late.get_status() == "failed" and "JobTimeoutException" in late.exc_info
	after.refresh()
	assert after.get_status() == "finished" and str(after.return_value()) == "2027-01-01"


def test_an_own_process_worker_leaves_after_its_jobs_for_a_fresh_one():
	get_queue("short").empty()  # what earlier tests queued would count against the two
	jobs = [frappe.enqueue("hsq_app.utils.worker.process_id", queue="short") for _ in range(3)]
	try:
		done = _run_worker("--no-fork", "--max-jobs", "2")  # not burst: it leaves by itself
		assert done.returncode == 0, done.stderr[-2000:]
		statuses = []
		for job in jobs:
			job.refresh()
			statuses.append(job.get_status())
		assert statuses.count("finished") == 2 and statuses.count("queued") == 1
	finally:
		for job in jobs:
			job.delete()


def test_a_package_that_raises_while_walked_does_not_stop_the_worker(tmp_path, monkeypatch):
	"""A broken ``__init__`` (or module) is left to the jobs, named in the worker's log line; the
	rest of the package is still loaded, and an app that cannot be found at all loads nothing of its
	own but still starts."""
	root = tmp_path / "hsq_preload_probe"
	(root / "broken_pkg").mkdir(parents=True)
	(root / "__init__.py").write_text("")
	(root / "good.py").write_text("VALUE = 1\n")
	(root / "bad_module.py").write_text("raise ValueError('no site here')\n")
	(root / "broken_pkg" / "__init__.py").write_text("raise RuntimeError('broken at import')\n")
	(root / "broken_pkg" / "inner.py").write_text("VALUE = 2\n")
	monkeypatch.syspath_prepend(str(tmp_path))

	walk_failed: list[str] = []
	assert worker.app_modules("hsq_preload_probe", walk_failed) == [
		"hsq_preload_probe.bad_module",
		"hsq_preload_probe.good",
	]
	assert walk_failed == ["hsq_preload_probe.broken_pkg"]

	imported, failed = worker.preload("hsq_preload_probe")
	assert imported == len(worker.FRAPPE_MODULES) + 1
	assert sorted(failed) == ["hsq_preload_probe.bad_module", "hsq_preload_probe.broken_pkg"]
	assert sys.modules["hsq_preload_probe.good"].VALUE == 1
	assert "hsq_preload_probe.broken_pkg.inner" not in sys.modules

	imported, failed = worker.preload("hsq_no_such_package")
	assert (imported, failed) == (len(worker.FRAPPE_MODULES), ["hsq_no_such_package"])

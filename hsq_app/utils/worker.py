"""The production shape's RQ workers: Frappe's own worker, with the code its jobs run imported once,
before it forks (``python -m hsq_app.utils.worker --queue short``, from the bench's sites folder).

Frappe's worker forks a work horse for every job and the horse's imports die with it, so every
registration job imported the e-mail queue (and through it the PDF and CSS libraries), Jinja,
the error log and the app's own job modules again: about 15 % of the ``short`` worker's CPU during
an intake burst (benchmarks/README.md, "Thirteenth session"). Imported here, the horses inherit
them; the worker then freezes them with the rest of its memory (Frappe's ``_freeze_gc``), so the
horses share those pages with it.

``--no-fork`` (the production shape's ``short`` queue): the jobs run in the worker's own process,
one after another, as RQ's ``SimpleWorker`` runs them. A fork and its copied pages cost an empty
job about 30 ms of CPU, twice a second during an intake burst (the registration job and the SMS
delivery), more than a job's work for a few complaints (benchmarks/README.md, "Seventeenth
session"). Frappe's ``execute_job`` sets up and tears down the site for each job either way, a
job's timeout is still enforced (RQ's alarm signal, in the worker's main thread), and a job that
kills the process is a worker that supervisord starts again. The worker leaves after
``--max-jobs`` jobs (supervisord starts a fresh one) so that nothing a job left behind in memory
accumulates for weeks. The default and long queues keep a work horse per job: their jobs run for
minutes and are the ones a fault test kills."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

# what the jobs import beyond `frappe` itself (py-spy of the short worker during an intake burst)
FRAPPE_MODULES = (
	"frappe.desk.doctype.notification_log.notification_log",
	"frappe.email.doctype.email_account.email_account",
	"frappe.email.doctype.email_queue.email_queue",
	"frappe.email.doctype.notification.notification",
	"frappe.utils.error",
	"frappe.utils.jinja",
	"frappe.utils.sentry",
	# imported inside the functions that use them, so every horse imported them again: Jinja for
	# the registration SMS (15 % of the horse's CPU), bleach and html5lib for the timeline's
	# "assigned" lines, the user permissions of the officers' permission check (sixteenth session)
	"jinja2",
	"jinja2.sandbox",
	"frappe.utils.safe_exec",
	"bleach",
	"bleach.css_sanitizer",
	"bleach._vendor.html5lib.treebuilders.etree",
	"bleach._vendor.html5lib.treewalkers.etree",
	"bs4",
	"frappe.core.doctype.user_permission.user_permission",
)
SKIPPED_PACKAGES = ("hsq_app.patches", "hsq_app.tests")
MAX_JOBS = 2000  # jobs an own-process worker runs before it leaves for a fresh one (--no-fork)


def app_modules(package: str = "hsq_app", failed: list[str] | None = None) -> list[str]:
	"""Every module of the app but its patches (run once, by migrate) and its tests. A package that
	raises while it is walked (its ``__init__`` imported to find its modules) is named in ``failed``
	and its modules are left out: the worker must start whatever one package does."""
	failed = [] if failed is None else failed
	root = importlib.import_module(package)
	names = [
		m.name
		for m in pkgutil.walk_packages(root.__path__, f"{package}.", onerror=failed.append)
		if not m.name.startswith(SKIPPED_PACKAGES)
	]
	return [name for name in names if name not in failed]


def preload(package: str = "hsq_app") -> tuple[int, list[str]]:
	"""Import FRAPPE_MODULES and the app's modules; returns (imported, the ones that failed). A module
	that cannot be imported outside a site is left to the job, which imports it as before, and so is
	everything when the app cannot even be walked: the worker starts as Frappe's own would."""
	imported, failed = 0, []
	try:
		modules = app_modules(package, failed)
	except Exception:
		modules = []
		failed.append(package)
	for name in (*FRAPPE_MODULES, *modules):
		try:
			importlib.import_module(name)
			imported += 1
		except Exception:
			failed.append(name)
	return imported, failed


def process_id() -> int:
	"""The id of the process that runs this job (a check of where the short queue's jobs run)."""
	import os

	return os.getpid()


def own_process_worker(max_jobs: int = MAX_JOBS):
	"""RQ's ``SimpleWorker`` (every job in this process), leaving after ``max_jobs`` jobs."""
	from rq.worker import SimpleWorker

	class OwnProcessWorker(SimpleWorker):
		def work(self, *args, **kwargs):
			kwargs.setdefault("max_jobs", max_jobs or None)
			return super().work(*args, **kwargs)

	return OwnProcessWorker


def main(argv: list[str] | None = None) -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--queue", help="comma-separated queues (default: all)")
	parser.add_argument("--quiet", action="store_true")
	parser.add_argument("--burst", action="store_true", help="stop once the queues are empty")
	parser.add_argument(
		"--no-fork", action="store_true", help="run each job in this process, not in a forked work horse"
	)
	parser.add_argument(
		"--max-jobs",
		type=int,
		default=MAX_JOBS,
		help=f"with --no-fork: leave after this many jobs (default {MAX_JOBS}; 0: never)",
	)
	args = parser.parse_args(argv)
	imported, failed = preload()
	print(
		f"hsq worker: {imported} modules loaded before forking; left to the jobs: {failed or 'none'}",
		flush=True,
	)

	from frappe.utils import background_jobs

	if args.no_fork:
		# start_worker builds its worker from the module's name for RQ's Worker
		background_jobs.Worker = own_process_worker(args.max_jobs)
		print(
			f"hsq worker: jobs run in this process (up to {args.max_jobs or 'any number of'} jobs)",
			flush=True,
		)
	background_jobs.start_worker(queue=args.queue, quiet=args.quiet, burst=args.burst)


if __name__ == "__main__":
	main()

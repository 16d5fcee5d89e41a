"""Helpers of the operations tests (backup/restore, replica): the harness run as the admin runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import frappe

HARNESS = Path(__file__).resolve().parents[1] / "harness" / "hsq.py"


def bench_path() -> Path:
	return Path(frappe.local.sites_path).resolve().parent


def harness_env(**extra: str) -> dict[str, str]:
	env = dict(os.environ)
	env.update(
		HSQ_BENCH=str(bench_path()),
		HSQ_DB_HOST=str(frappe.conf.db_host or "127.0.0.1"),
		HSQ_DB_PORT=str(frappe.conf.db_port or 3306),
	)
	env.update({k: str(v) for k, v in extra.items()})
	return env


def run_harness(*args: str, timeout: float = 1200, **extra: str) -> subprocess.CompletedProcess:
	"""`bin/hsq ARGS` as the bench user; returns the finished process (output captured)."""
	return subprocess.run(
		["/usr/bin/python3", str(HARNESS), *args],
		env=harness_env(**extra),
		capture_output=True,
		text=True,
		timeout=timeout,
		stdin=subprocess.DEVNULL,
	)


def bench_cmd(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
	"""`bench ARGS` through the bench's own Python, from its sites folder."""
	return subprocess.run(
		[str(bench_path() / "env" / "bin" / "python"), "-m", "frappe.utils.bench_helper", "frappe", *args],
		cwd=str(bench_path() / "sites"),
		capture_output=True,
		text=True,
		timeout=timeout,
		stdin=subprocess.DEVNULL,
	)


def drop_site(site: str) -> None:
	"""`bench drop-site SITE` (its database too); fails loudly so that no database is left behind."""
	dropped = bench_cmd(
		"drop-site",
		site,
		"--db-root-username",
		os.environ.get("HSQ_DB_ADMIN_USER") or "hsq_dbadmin",
		"--db-root-password",
		os.environ.get("HSQ_DB_ADMIN_PASSWORD") or "hsq_dbadmin",
		"--no-backup",
		"--force",
	)
	assert dropped.returncode == 0, dropped.stdout + dropped.stderr
	archived = bench_path() / "archived" / "sites" / site
	if archived.exists():
		subprocess.run(["rm", "-rf", str(archived)], check=False)


def connect(db_name: str, user: str, password: str, host: str = "127.0.0.1", port: int = 3306):
	import pymysql

	return pymysql.connect(
		host=host, port=int(port), user=user, password=password, database=db_name, charset="utf8mb4"
	)

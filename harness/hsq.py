#!/usr/bin/env python3
"""hsq harness: build or reuse a Frappe v15 bench for hsq_app, then serve a demo site or run the tests.

The README's two commands, and what goes with serving:

    bin/hsq start [--dev]          build/reuse the bench, site hsq.localhost with demo data, serve :8000 as
                                   production does (nginx, gunicorn, socketio, RQ workers, scheduler and a
                                   daily backup under supervisord); --dev: Frappe's development server
    bin/hsq test [ARGS...]         build/reuse the bench, recreate hsq-test.localhost, run pytest ARGS
    bin/hsq stop | status          stop what start serves | say what runs and what is unhealthy
    bin/hsq backup [SITE]          database, files and site config in one bundle (HSQ_BACKUP_*)
    bin/hsq restore BUNDLE [SITE]  a bundle into a new site
    bin/hsq replica start|stop|status [SITE]   a read replica on HSQ_REPLICA_PORT (3307)

Only the Python standard library is used here: this file runs before any bench exists.
Every step is idempotent; a failing step prints one line ``hsq: <step>: <reason>`` and exits non-zero.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

APP = "hsq_app"
REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_USER = "frappe"
YARN_VERSION = "1.22.22"
BENCH_CLI_SPEC = "frappe-bench>=5.22,<6"
# setuptools 81 dropped pkg_resources, which Frappe 15 still imports.
PIP_CONSTRAINTS = "setuptools<81\n"

# the test site allows tests and creates more users an hour than Frappe's anti-abuse throttle allows
TEST_SITE_CONFIG = {"allow_tests": 1, "throttle_user_limit": 100000}

DEMO_LOGINS_NOTE = "demo password for every demo user: see README (HSQ_DEMO_PASSWORD, default Hsq@2026demo)"


class HarnessError(Exception):
	"""A step failed; the message is the one line shown to the user."""

	def __init__(self, step: str, reason: str):
		super().__init__(f"{step}: {reason}")
		self.step = step
		self.reason = reason


# --------------------------------------------------------------------------------------------------
# configuration (pure)
# --------------------------------------------------------------------------------------------------


@dataclass
class Config:
	bench: Path
	frappe_repo: str = "https://github.com/frappe/frappe"
	frappe_branch: str = "version-15"
	db_host: str = "127.0.0.1"
	db_port: int = 3306
	db_root_user: str = "root"
	db_root_password: str = ""
	db_admin_user: str = "hsq_dbadmin"
	db_admin_password: str = "hsq_dbadmin"
	redis_url: str = "redis://127.0.0.1:6379"
	port: int = 8000
	site: str = "hsq.localhost"
	test_site: str = "hsq-test.localhost"
	admin_password: str = "admin"
	demo_password: str = "Hsq@2026demo"
	python: str = ""
	reuse_test_site: bool = False
	as_root: bool = False
	extra: dict = field(default_factory=dict)

	@property
	def bench_user(self) -> str | None:
		"""The user bench commands run as (None: the current user)."""
		return BENCH_USER if self.as_root else None


def _truthy(value: str | None) -> bool:
	return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def config_from_env(env: dict[str, str], is_root: bool, home: str) -> Config:
	"""Build the harness configuration from environment variables (pure: no I/O)."""
	default_bench = "/home/frappe/hsq-bench" if is_root else os.path.join(home, "hsq-bench")
	port = env.get("HSQ_PORT", "8000")
	db_port = env.get("HSQ_DB_PORT", "3306")
	for name, value in (("HSQ_PORT", port), ("HSQ_DB_PORT", db_port)):
		if not value.isdigit() or not 0 < int(value) < 65536:
			raise HarnessError("config", f"{name} must be a TCP port number, got {value!r}")
	return Config(
		bench=Path(env.get("HSQ_BENCH") or default_bench).expanduser(),
		frappe_repo=env.get("FRAPPE_REPO") or "https://github.com/frappe/frappe",
		frappe_branch=env.get("FRAPPE_BRANCH") or "version-15",
		db_host=env.get("HSQ_DB_HOST") or "127.0.0.1",
		db_port=int(db_port),
		db_root_user=env.get("HSQ_DB_ROOT_USER") or "root",
		db_root_password=env.get("HSQ_DB_ROOT_PASSWORD", ""),
		db_admin_user=env.get("HSQ_DB_ADMIN_USER") or "hsq_dbadmin",
		db_admin_password=env.get("HSQ_DB_ADMIN_PASSWORD") or "hsq_dbadmin",
		redis_url=env.get("HSQ_REDIS_URL") or "redis://127.0.0.1:6379",
		port=int(port),
		site=env.get("HSQ_SITE") or "hsq.localhost",
		test_site=env.get("HSQ_TEST_SITE") or "hsq-test.localhost",
		admin_password=env.get("HSQ_ADMIN_PASSWORD") or "admin",
		demo_password=env.get("HSQ_DEMO_PASSWORD") or "Hsq@2026demo",
		python=env.get("HSQ_PYTHON") or "",
		reuse_test_site=_truthy(env.get("HSQ_REUSE_TEST_SITE")),
		as_root=is_root,
	)


COMMANDS = {
	"start": "build/reuse the bench and serve the production shape (--dev: the development server)",
	"stop": "stop what start serves",
	"status": "what runs and what is unhealthy (exit 1 when something is)",
	"test": "recreate the test site and run pytest ARGS",
	"backup": "back up SITE (default the served site) into one bundle",
	"restore": "restore BUNDLE into a new SITE",
	"replica": "start|stop|status a read replica of SITE on HSQ_REPLICA_PORT",
	"backup-clock": "(run by supervisord) a daily backup",
}


def parse_args(argv: list[str]) -> tuple[str, list[str]]:
	"""Return (command, args). Everything after ``test`` goes to pytest untouched."""
	if not argv or argv[0] in {"-h", "--help", "help"}:
		return "help", []
	command, rest = argv[0], argv[1:]
	if command not in COMMANDS:
		raise HarnessError("arguments", f"unknown command {command!r} (use {', '.join(list(COMMANDS)[:-1])})")
	if command == "start" and rest not in ([], ["--dev"]):
		raise HarnessError("arguments", f"start takes only --dev, got {' '.join(rest)}")
	if command in {"stop", "status", "backup-clock"} and rest:
		raise HarnessError("arguments", f"{command} takes no arguments, got {' '.join(rest)}")
	if command == "backup" and len(rest) > 1:
		raise HarnessError("arguments", "backup takes at most one SITE")
	if command == "restore" and not 1 <= len(rest) <= 2:
		raise HarnessError("arguments", "restore takes BUNDLE [SITE]")
	if command == "replica" and (not rest or rest[0] not in {"start", "stop", "status"} or len(rest) > 2):
		raise HarnessError("arguments", "replica takes start|stop|status [SITE]")
	return command, rest


def common_site_config(cfg: Config) -> dict:
	"""Bench-wide settings written into sites/common_site_config.json."""
	return {
		"redis_cache": cfg.redis_url,
		"redis_queue": cfg.redis_url,
		"redis_socketio": cfg.redis_url,
		"webserver_port": cfg.port,
		# socketio behind nginx on its own port per bench (the default 9000 would collide across benches)
		"socketio_port": internal_ports(cfg.port)[1],
		"db_host": cfg.db_host,
		"db_port": cfg.db_port,
		"serve_default_site": True,
		"default_site": cfg.site,
	}


def merge_json_config(existing: dict, updates: dict) -> tuple[dict, bool]:
	"""Return (merged, changed): updates win, other keys are kept."""
	merged = dict(existing)
	merged.update(updates)
	return merged, merged != existing


def mysql_quote(value: str) -> str:
	return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def db_admin_sql(user: str, password: str) -> str:
	"""SQL that creates (or re-passwords) the database admin bench new-site uses."""
	stmts = []
	for host in ("localhost", "127.0.0.1", "%"):
		account = f"{mysql_quote(user)}@{mysql_quote(host)}"
		stmts.append(f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {mysql_quote(password)};")
		stmts.append(f"ALTER USER {account} IDENTIFIED BY {mysql_quote(password)};")
		stmts.append(f"GRANT ALL PRIVILEGES ON *.* TO {account} WITH GRANT OPTION;")
	stmts.append("SET GLOBAL character_set_server = 'utf8mb4';")
	stmts.append("SET GLOBAL collation_server = 'utf8mb4_unicode_ci';")
	stmts.append("FLUSH PRIVILEGES;")
	return "\n".join(stmts)


def resolve_test_path(arg: str, app_dir: Path) -> str:
	"""pytest runs in the bench's sites folder: make paths given relative to the checkout absolute."""
	if arg.startswith("-") or os.path.isabs(arg):
		return arg
	path, sep, rest = arg.partition("::")
	if (REPO_ROOT / path).exists():
		return f"{app_dir / path}{sep}{rest}"
	return arg


def with_default_test_path(args: list[str], app_dir: Path) -> list[str]:
	"""pytest's testpaths only apply when run from the rootdir: add tests/ when no path is given."""
	takes_value = {"-k", "-m", "-p", "-c", "-o", "--rootdir", "--deselect", "--ignore", "--tb", "--durations"}
	positional, skip = [], False
	for arg in args:
		if skip:
			skip = False
		elif arg in takes_value:
			skip = True
		elif not arg.startswith("-"):
			positional.append(arg)
	return args if positional else [*args, str(app_dir / "tests")]


def tree_fingerprint(root: Path, suffixes=(".py", ".json", ".txt", ".po", ".js", ".html", ".css")) -> str:
	"""A hash of the app's source files, to know whether the site needs a migrate."""
	digest = hashlib.sha256()
	for path in sorted(root.rglob("*")):
		if path.is_file() and path.suffix in suffixes and "__pycache__" not in path.parts:
			digest.update(str(path.relative_to(root)).encode())
			digest.update(path.read_bytes())
	return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# running things
# --------------------------------------------------------------------------------------------------


def log(msg: str) -> None:
	print(f"hsq: {msg}", flush=True)


class Runner:
	def __init__(self, cfg: Config):
		self.cfg = cfg
		self.user_home = Path(pwd.getpwnam(BENCH_USER).pw_dir) if cfg.as_root and _user_exists() else None

	@property
	def tools_dir(self) -> Path:
		home = self.user_home or Path.home()
		return home / ".hsq-tools"

	def env(self) -> dict[str, str]:
		env = {k: v for k, v in os.environ.items() if not k.startswith(("PYENV", "VIRTUAL_ENV"))}
		if self.cfg.as_root:
			env["HOME"] = str(self.user_home)
			env["USER"] = env["LOGNAME"] = BENCH_USER
		path = [str(self.tools_dir / "bin"), str(self.tools_dir / "node" / "bin")]
		path += [p for p in env.get("PATH", "").split(":") if p and "/root/" not in p]
		for std in ("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"):
			if std not in path:
				path.append(std)
		env["PATH"] = ":".join(path)
		constraints = self.tools_dir / "constraints.txt"
		if constraints.exists():
			env["PIP_CONSTRAINT"] = env["UV_CONSTRAINT"] = str(constraints)
		env.setdefault("LANG", "C.UTF-8")
		env["PYTHONUNBUFFERED"] = "1"
		return env

	def wrap(self, cmd: list[str]) -> list[str]:
		if self.cfg.as_root:
			return ["runuser", "-u", BENCH_USER, "--", *cmd]
		return cmd

	def run(
		self,
		step: str,
		cmd: list[str],
		*,
		cwd: Path | None = None,
		as_bench_user: bool = True,
		check: bool = True,
		quiet: bool = False,
		input: str | None = None,
		timeout: float | None = None,
	) -> subprocess.CompletedProcess:
		full = self.wrap(cmd) if as_bench_user else cmd
		env = self.env() if as_bench_user else None
		try:
			if quiet or input is not None or timeout is not None:
				proc = subprocess.run(
					full,
					cwd=str(cwd) if cwd else None,
					env=env,
					text=True,
					input=input,
					capture_output=quiet,
					timeout=timeout,
					stdin=None if input is not None else subprocess.DEVNULL,
				)
			else:
				proc = _run_streaming(full, cwd, env)
		except FileNotFoundError as e:
			raise HarnessError(step, f"command not found: {e.filename}") from None
		except subprocess.TimeoutExpired:
			raise HarnessError(step, f"timed out after {timeout:.0f}s: {shlex.join(cmd)}") from None
		if check and proc.returncode != 0:
			detail = ""
			if quiet:
				lines = [ln for ln in ((proc.stderr or "") + (proc.stdout or "")).splitlines() if ln.strip()]
				detail = f" ({lines[-1].strip()[:300]})" if lines else ""
			raise HarnessError(step, f"`{shlex.join(cmd)}` exited {proc.returncode}{detail}")
		return proc

	def bench(self, step: str, *args: str, **kw) -> subprocess.CompletedProcess:
		return self.run(step, [str(self.tools_dir / "bin" / "bench"), *args], cwd=self.cfg.bench, **kw)

	def site_cmd(self, step: str, site: str, *args: str, **kw) -> subprocess.CompletedProcess:
		return self.bench(step, "--site", site, *args, **kw)


def collapse_progress(line: str) -> str:
	"""A line redrawn with carriage returns (progress bars) shows only as it ended."""
	return line.rstrip("\r").rsplit("\r", 1)[-1]


def _run_streaming(cmd: list[str], cwd, env) -> subprocess.CompletedProcess:
	"""Run a command with its output passed through, progress bars collapsed to their last state."""
	proc = subprocess.Popen(
		cmd,
		cwd=str(cwd) if cwd else None,
		env=env,
		stdin=subprocess.DEVNULL,
		stdout=subprocess.PIPE,
		stderr=subprocess.STDOUT,
	)
	assert proc.stdout is not None
	for raw in proc.stdout:
		sys.stdout.write(collapse_progress(raw.decode("utf-8", "replace").rstrip("\n")) + "\n")
		sys.stdout.flush()
	return subprocess.CompletedProcess(cmd, proc.wait())


def _user_exists(name: str = BENCH_USER) -> bool:
	try:
		pwd.getpwnam(name)
		return True
	except KeyError:
		return False


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
	try:
		with socket.create_connection((host, port), timeout=timeout):
			return True
	except OSError:
		return False


def is_loopback(host: str) -> bool:
	return host in {"127.0.0.1", "localhost", "::1"}


# --------------------------------------------------------------------------------------------------
# steps
# --------------------------------------------------------------------------------------------------


def step_system(cfg: Config, runner: Runner) -> None:
	"""As root: the bench user and the Debian packages the bench needs."""
	if not cfg.as_root:
		for tool in ("git", "node", "npm"):
			if not shutil.which(tool):
				raise HarnessError(
					"system", f"{tool} is missing; install it or run as root to let hsq install it"
				)
		return
	needed = {
		"git": "git",
		"node": "nodejs",
		"npm": "npm",
		"mariadb": "mariadb-client",
		"redis-cli": "redis-tools",
		"pkg-config": "pkg-config",
		"gcc": "build-essential",
	}
	missing = [pkg for tool, pkg in needed.items() if not shutil.which(tool)]
	if not Path("/usr/include/python3.11/Python.h").exists() and not _python_headers_present():
		missing.append("python3-dev")
	if subprocess.run(["python3", "-c", "import ensurepip, venv"], capture_output=True).returncode != 0:
		missing.append("python3-venv")
	if is_loopback(cfg.db_host) and not shutil.which("mariadbd") and not Path("/usr/sbin/mariadbd").exists():
		missing.append("mariadb-server")
	if not shutil.which("redis-server") and not port_open("127.0.0.1", 6379):
		missing.append("redis-server")
	if not Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").exists():
		missing.append("fonts-noto-cjk")
	# PDF print formats (Frappe 15 renders PDFs with wkhtmltopdf); the browser tests drive Chromium
	for tool, pkg in (("wkhtmltopdf", "wkhtmltopdf"), ("chromium", "chromium")):
		if not shutil.which(tool):
			missing.append(pkg)
	# the production shape (nginx, supervisord) and encrypted backups (openssl)
	for path, pkg in (
		("/usr/sbin/nginx", "nginx"),
		("/usr/bin/supervisord", "supervisor"),
		("/usr/bin/openssl", "openssl"),
	):
		if not Path(path).exists():
			missing.append(pkg)
	if missing:
		log(f"installing Debian packages: {' '.join(missing)}")
		runner.run("system", ["apt-get", "update", "-qq"], as_bench_user=False, quiet=True)
		# the packages' own services (nginx on :80, the system supervisord) must not start: the
		# harness runs its own, per bench
		policy = Path("/usr/sbin/policy-rc.d")
		made_policy = not policy.exists()
		if made_policy:
			policy.write_text(
				"#!/bin/sh\n# hsq harness: no service starts during package installs\nexit 101\n"
			)
			policy.chmod(0o755)
		try:
			runner.run(
				"system",
				["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
				as_bench_user=False,
				quiet=True,
			)
		finally:
			if made_policy:
				policy.unlink(missing_ok=True)
	if not _user_exists():
		log(f"creating system user {BENCH_USER}")
		runner.run("system", ["useradd", "-m", "-s", "/bin/bash", BENCH_USER], as_bench_user=False)
		runner.user_home = Path(pwd.getpwnam(BENCH_USER).pw_dir)
	# bench dirs live under the bench user's home; make sure it can traverse to them
	os.chmod(runner.user_home, 0o755)


def _python_headers_present() -> bool:
	import sysconfig

	return Path(sysconfig.get_paths()["include"], "Python.h").exists()


def step_services(cfg: Config, runner: Runner) -> None:
	"""MariaDB and Redis: used where they run, started (and configured) as root where they do not."""
	step_db_conf(cfg, runner)
	if not port_open(cfg.db_host, cfg.db_port):
		if cfg.as_root and is_loopback(cfg.db_host) and cfg.db_port == 3306:
			log("starting MariaDB")
			_start_daemon(["/usr/sbin/mariadbd"], runner)
			_wait_port(cfg.db_host, cfg.db_port, 30)
		if not port_open(cfg.db_host, cfg.db_port):
			raise HarnessError("database", f"MariaDB at {cfg.db_host}:{cfg.db_port} is unreachable")
	host, _, rport = cfg.redis_url.removeprefix("redis://").partition(":")
	rport = int(rport.split("/")[0] or 6379)
	if not port_open(host, rport):
		if cfg.as_root and is_loopback(host):
			log("starting Redis")
			Path(REDIS_DIR).mkdir(parents=True, exist_ok=True)
			runner.run("redis", redis_command(rport), as_bench_user=False, quiet=True)
			_wait_port(host, rport, 15)
		if not port_open(host, rport):
			raise HarnessError("redis", f"Redis at {host}:{rport} is unreachable")


REDIS_DIR = "/var/lib/redis"


def redis_command(port: int, data_dir: str = REDIS_DIR) -> list[str]:
	"""The Redis the harness starts where none runs: one instance for cache, queue and socketio,
	with the append-only file on (fsync every second) so that queued jobs survive a restart
	(at most a second of writes lost on a crash); no RDB snapshots."""
	return [
		"redis-server",
		"--daemonize",
		"yes",
		"--bind",
		"127.0.0.1",
		"--port",
		str(port),
		"--dir",
		data_dir,
		"--appendonly",
		"yes",
		"--appendfsync",
		"everysec",
		"--appendfilename",
		f"hsq-{port}.aof",
		"--save",
		"",
	]


def _start_daemon(cmd: list[str], runner: Runner) -> None:
	runner.run(
		"database",
		["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", cmd[0], "--", *cmd[1:]],
		as_bench_user=False,
		quiet=True,
	)


def _wait_port(host: str, port: int, seconds: float) -> None:
	deadline = time.time() + seconds
	while time.time() < deadline and not port_open(host, port):
		time.sleep(0.5)


def mysql(cfg: Config, runner: Runner, sql: str, *, user: str, password: str, step: str = "database"):
	cmd = ["mariadb", f"-h{cfg.db_host}", f"-P{cfg.db_port}", f"-u{user}", "--batch", "--skip-column-names"]
	env_pw = {"MYSQL_PWD": password} if password else {}
	proc = subprocess.run(
		cmd, input=sql, text=True, capture_output=True, env={**os.environ, **env_pw}, timeout=60
	)
	if proc.returncode != 0:
		reason = (proc.stderr.strip().splitlines() or ["failed"])[-1]
		raise HarnessError(step, f"as {user}@{cfg.db_host}:{cfg.db_port}: {reason}")
	return proc.stdout


def step_db_admin(cfg: Config, runner: Runner) -> None:
	"""bench new-site needs a database admin with a non-empty password: make one (idempotent)."""
	try:
		mysql(cfg, runner, "SELECT 1;", user=cfg.db_admin_user, password=cfg.db_admin_password)
		admin_ok = True
	except HarnessError:
		admin_ok = False
	if not admin_ok:
		mysql(
			cfg,
			runner,
			db_admin_sql(cfg.db_admin_user, cfg.db_admin_password),
			user=cfg.db_root_user,
			password=cfg.db_root_password,
		)
	out = mysql(
		cfg,
		runner,
		"SELECT @@character_set_server, @@collation_server;",
		user=cfg.db_admin_user,
		password=cfg.db_admin_password,
	)
	if out.split() != ["utf8mb4", "utf8mb4_unicode_ci"]:
		mysql(
			cfg,
			runner,
			"SET GLOBAL character_set_server='utf8mb4'; SET GLOBAL collation_server='utf8mb4_unicode_ci';",
			user=cfg.db_admin_user,
			password=cfg.db_admin_password,
		)


def step_tools(cfg: Config, runner: Runner) -> None:
	"""yarn 1.22 (classic) and the bench CLI, in the bench user's ~/.hsq-tools."""
	tools = runner.tools_dir
	if cfg.as_root:
		runner.run("tools", ["mkdir", "-p", str(tools)])
	else:
		tools.mkdir(parents=True, exist_ok=True)
	runner.run("tools", ["sh", "-c", f"printf '%s' {shlex.quote(PIP_CONSTRAINTS)} > {tools}/constraints.txt"])
	yarn = tools / "node" / "bin" / "yarn"
	ok = yarn.exists() and runner.run(
		"yarn", [str(yarn), "--version"], quiet=True, check=False
	).stdout.startswith("1.22")
	if not ok:
		log(f"installing yarn {YARN_VERSION}")
		runner.run(
			"yarn",
			["npm", "install", "-g", "--prefix", str(tools / "node"), f"yarn@{YARN_VERSION}"],
			quiet=True,
		)
	bench = tools / "bin" / "bench"
	if not bench.exists() or not (tools / "bin" / "uv").exists():
		log("installing the bench CLI")
		py = cfg.python or _default_python()
		runner.run("tools", [py, "-m", "venv", str(tools / "venv")], quiet=True)
		runner.run(
			"tools",
			[str(tools / "venv/bin/pip"), "install", "-q", "--upgrade", "pip", "setuptools<81"],
			quiet=True,
		)
		runner.run("tools", [str(tools / "venv/bin/pip"), "install", "-q", BENCH_CLI_SPEC, "uv"], quiet=True)
		runner.run("tools", ["mkdir", "-p", str(tools / "bin")])
		for exe in ("bench", "uv"):
			runner.run("tools", ["ln", "-sf", str(tools / "venv/bin" / exe), str(tools / "bin" / exe)])


def _default_python() -> str:
	for candidate in (
		"/usr/bin/python3.11",
		"/usr/bin/python3.12",
		"/usr/bin/python3.10",
		"/usr/bin/python3",
	):
		if Path(candidate).exists():
			return candidate
	return "python3"


def step_bench(cfg: Config, runner: Runner) -> None:
	"""bench init from FRAPPE_REPO/FRAPPE_BRANCH into HSQ_BENCH, unless a usable bench is there."""
	b = cfg.bench
	if (b / "apps" / "frappe" / "frappe" / "__init__.py").exists() and (
		b / "env" / "bin" / "python"
	).exists():
		return
	bench_markers = {"apps", "env", "sites", "config", "Procfile", "logs"}
	if b.exists() and any(b.iterdir()) and not bench_markers & {p.name for p in b.iterdir()}:
		raise HarnessError(
			"bench", f"{b} exists and is not a bench; point HSQ_BENCH at an empty or new folder"
		)
	probe = runner.run(
		"bench",
		["git", "ls-remote", "--heads", cfg.frappe_repo, cfg.frappe_branch],
		quiet=True,
		check=False,
		timeout=120,
	)
	if probe.returncode != 0:
		raise HarnessError("bench", f"cannot read FRAPPE_REPO {cfg.frappe_repo}")
	if not probe.stdout.strip():
		raise HarnessError(
			"bench", f"FRAPPE_BRANCH {cfg.frappe_branch!r} does not exist in {cfg.frappe_repo}"
		)
	if b.exists() and any(b.iterdir()):
		# a half-built bench from an interrupted run: start over
		log(f"removing incomplete bench {b}")
		runner.run("bench", ["rm", "-rf", str(b)])
	log(f"bench init {b} from {cfg.frappe_repo} ({cfg.frappe_branch}); this takes a while")
	runner.run("bench", ["mkdir", "-p", str(b.parent)])
	runner.run(
		"bench",
		[
			str(runner.tools_dir / "bin" / "bench"),
			"init",
			"--frappe-path",
			cfg.frappe_repo,
			"--frappe-branch",
			cfg.frappe_branch,
			"--python",
			cfg.python or _default_python(),
			"--no-backups",
			"--skip-redis-config-generation",
			"--verbose",
			str(b),
		],
		cwd=b.parent,
	)
	runner.run("bench", [str(b / "env/bin/pip"), "install", "-q", "setuptools<81"], quiet=True)


def step_bench_config(cfg: Config, runner: Runner) -> None:
	path = cfg.bench / "sites" / "common_site_config.json"
	existing = json.loads(path.read_text()) if path.exists() else {}
	merged, changed = merge_json_config(existing, common_site_config(cfg))
	if changed:
		runner.run(
			"config", ["sh", "-c", f"cat > {shlex.quote(str(path))}"], input=json.dumps(merged, indent=1)
		)


def _readable_by_bench_user(runner: Runner, path: Path) -> bool:
	if not runner.cfg.as_root:
		return True
	return (
		runner.run("app", ["test", "-r", str(path / APP / "hooks.py")], check=False, quiet=True).returncode
		== 0
	)


def step_app(cfg: Config, runner: Runner) -> None:
	"""Link this checkout into the bench as apps/hsq_app and install it into the bench env."""
	apps = cfg.bench / "apps"
	target = apps / APP
	if _readable_by_bench_user(runner, REPO_ROOT):
		if not (target.is_symlink() and target.resolve() == REPO_ROOT):
			runner.run("app", ["rm", "-rf", str(target)])
			runner.run("app", ["ln", "-s", str(REPO_ROOT), str(target)])
	else:
		log(f"{REPO_ROOT} is not readable by {BENCH_USER}; copying it into the bench instead of linking")
		runner.run("app", ["rm", "-rf", str(target)])
		shutil.copytree(REPO_ROOT, target, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info"))
		runner.run("app", ["true"])
		subprocess.run(["chown", "-R", f"{BENCH_USER}:{BENCH_USER}", str(target)], check=True)
	stamp = cfg.bench / "env" / f".{APP}-installed"
	pyproject_hash = hashlib.sha256((REPO_ROOT / "pyproject.toml").read_bytes()).hexdigest()
	current = stamp.read_text() if stamp.exists() else ""
	# the editable install's path file, as pip wrote it (a benchmark that pointed it at another
	# checkout and was stopped half-way leaves it there: the stamp alone would not tell)
	pth = list((cfg.bench / "env" / "lib").glob(f"python3*/site-packages/{APP}.pth"))
	pointed = all(p.read_text().strip() == str(target.resolve()) for p in pth) if pth else False
	if current != f"{target.resolve()}:{pyproject_hash}" or not pointed:
		log("installing hsq_app into the bench env")
		runner.run(
			"app",
			[str(cfg.bench / "env/bin/pip"), "install", "-q", "-e", f"{target}[test]"],
			cwd=cfg.bench,
			quiet=True,
		)
		runner.run("app", ["sh", "-c", f"printf '%s' '{target.resolve()}:{pyproject_hash}' > {stamp}"])
	apps_txt = cfg.bench / "sites" / "apps.txt"
	listed = apps_txt.read_text().split() if apps_txt.exists() else []
	if APP not in listed:
		runner.run("app", ["sh", "-c", f"printf '\\n{APP}\\n' >> {apps_txt}"])
		runner.run("app", ["sed", "-i", "/^$/d", str(apps_txt)])


def step_translations(cfg: Config, runner: Runner) -> None:
	"""Compile hsq_app/locale/*.po into the bench's MO files when they change."""
	stamp = cfg.bench / "sites" / ".hsq_po_fingerprint"
	fp = tree_fingerprint(REPO_ROOT / APP / "locale", suffixes=(".po",))
	if stamp.exists() and stamp.read_text() == fp:
		return
	runner.bench("translations", "compile-po-to-mo", "--app", APP, "--force", quiet=True)
	runner.run("translations", ["sh", "-c", f"printf '%s' {fp} > {shlex.quote(str(stamp))}"])


def site_exists(cfg: Config, site: str) -> bool:
	return (cfg.bench / "sites" / site / "site_config.json").exists()


def forget_module_map(cfg: Config, runner: Runner) -> None:
	"""Frappe caches the apps' module map in Redis (for a site still without a database under
	``None|app_modules``): a module added to modules.txt since would be unknown to a new or
	migrated site, whose DocTypes of that module then fail to import. Forget the cached maps."""
	url = shlex.quote(cfg.redis_url)
	script = (
		f"redis-cli -u {url} --scan --pattern '*app_modules' | xargs -r redis-cli -u {url} del >/dev/null"
	)
	runner.run("site", ["sh", "-c", script], as_bench_user=False, quiet=True, check=False)


def new_site(cfg: Config, runner: Runner, site: str) -> None:
	log(f"creating site {site}")
	forget_module_map(cfg, runner)
	runner.bench(
		"site",
		"new-site",
		site,
		"--db-root-username",
		cfg.db_admin_user,
		"--db-root-password",
		cfg.db_admin_password,
		"--db-host",
		cfg.db_host,
		"--db-port",
		str(cfg.db_port),
		"--admin-password",
		cfg.admin_password,
		"--install-app",
		APP,
		"--force",
	)


def drop_site(cfg: Config, runner: Runner, site: str) -> None:
	log(f"dropping site {site}")
	runner.bench(
		"site",
		"drop-site",
		site,
		"--db-root-username",
		cfg.db_admin_user,
		"--db-root-password",
		cfg.db_admin_password,
		"--no-backup",
		"--force",
	)
	archived = cfg.bench / "archived" / "sites" / site
	if archived.exists():
		runner.run("site", ["rm", "-rf", str(archived)])


def migrate_if_changed(cfg: Config, runner: Runner, site: str) -> None:
	stamp = cfg.bench / "sites" / site / ".hsq_fingerprint"
	fp = tree_fingerprint(REPO_ROOT / APP)
	if stamp.exists() and stamp.read_text() == fp:
		return
	installed = runner.site_cmd("site", site, "list-apps", quiet=True, check=False).stdout or ""
	if APP not in installed:
		runner.site_cmd("site", site, "install-app", APP)
	log(f"migrating {site}")
	forget_module_map(cfg, runner)
	runner.site_cmd("site", site, "migrate")
	runner.run("site", ["sh", "-c", f"printf '%s' {fp} > {shlex.quote(str(stamp))}"])


def mark_fingerprint(cfg: Config, runner: Runner, site: str) -> None:
	stamp = cfg.bench / "sites" / site / ".hsq_fingerprint"
	runner.run(
		"site", ["sh", "-c", f"printf '%s' {tree_fingerprint(REPO_ROOT / APP)} > {shlex.quote(str(stamp))}"]
	)


def step_assets(cfg: Config, runner: Runner) -> None:
	"""Build the app's assets once per source change (the desk needs them, tests do not)."""
	stamp = cfg.bench / "sites" / ".hsq_assets_fingerprint"
	fp = tree_fingerprint(REPO_ROOT / APP / "public")
	if stamp.exists() and stamp.read_text() == fp and (cfg.bench / "sites" / "assets" / APP).exists():
		return
	log("building assets")
	runner.bench("assets", "build", "--app", APP)
	runner.run("assets", ["sh", "-c", f"printf '%s' {fp} > {shlex.quote(str(stamp))}"])


# --------------------------------------------------------------------------------------------------
# serving: the production shape (nginx + gunicorn + socketio + RQ workers + scheduler under supervisord)
# --------------------------------------------------------------------------------------------------

# the development server, kept for `bin/hsq start --dev`
DEV_PROCESSES = {
	"web": ["serve", "--port", "{port}", "--noreload"],
	"worker": ["worker"],
	"schedule": ["schedule"],
}

# every program of the production shape, in the order `status` lists them
PROGRAMS = ("nginx", "web", "socketio", "worker-default", "worker-short", "worker-long", "schedule", "backup")


def internal_ports(port: int) -> tuple[int, int]:
	"""(gunicorn, socketio) ports behind nginx: HSQ_PORT + 10000 and + 11000 (pure)."""
	if port + 11000 > 65535:
		raise HarnessError(
			"config", f"HSQ_PORT {port} is too high: gunicorn and socketio use it + 10000 and + 11000"
		)
	return port + 10000, port + 11000


def web_workers(cpus: int | None = None, env: dict | None = None) -> int:
	"""gunicorn workers: HSQ_WEB_WORKERS, else bench's rule 2 x cores + 1 (pure given its inputs)."""
	value = (env if env is not None else os.environ).get("HSQ_WEB_WORKERS", "")
	if value:
		if not value.isdigit() or int(value) < 1:
			raise HarnessError("config", f"HSQ_WEB_WORKERS must be a positive number, got {value!r}")
		return int(value)
	return 2 * (cpus or os.cpu_count() or 1) + 1


def web_threads(env: dict | None = None) -> int:
	"""Threads per gunicorn worker: HSQ_WEB_THREADS, else 4, as Frappe's production images run it
	(gthread workers): a list or a form is not queued behind a report or a save on the same worker.
	1 runs gunicorn's plain sync workers (pure given its inputs)."""
	value = (env if env is not None else os.environ).get("HSQ_WEB_THREADS", "")
	if value:
		if not value.isdigit() or int(value) < 1:
			raise HarnessError("config", f"HSQ_WEB_THREADS must be a positive number, got {value!r}")
		return int(value)
	return 4


def gunicorn_command(bench: Path, gport: int, workers: int, threads: int) -> str:
	"""The web program's command line (pure)."""
	# gunicorn's gthread worker, leaving after --max-requests, answers the connections it accepted
	# first (hsq_app/utils/gthread.py; gunicorn's own reset them: nginx answered 502)
	kind = (
		f" --worker-class hsq_app.utils.gthread.ThreadWorker --threads {threads} --worker-tmp-dir /dev/shm"
		if threads > 1
		else ""
	)
	return (
		f"{bench}/env/bin/gunicorn -b 127.0.0.1:{gport} -w {workers}{kind} --max-requests 5000"
		f" --max-requests-jitter 500 -t 120 --graceful-timeout 30 hsq_app.wsgi:application --preload"
	)


# the served site's shape is tagged "hsq"; `bin/hsq test` with HSQ_TEST_PRODUCTION=1 serves the test
# site as "hsq-test" beside it (its own configs, logs and ports)
SERVED, TESTED = "hsq", "hsq-test"


def conf_dir(cfg: Config, tag: str = SERVED) -> Path:
	return cfg.bench / "config" / tag


def supervisor_conf_path(cfg: Config, tag: str = SERVED) -> Path:
	return conf_dir(cfg, tag) / "supervisord.conf"


def supervisor_sock(cfg: Config, tag: str = SERVED) -> Path:
	return conf_dir(cfg, tag) / "supervisor.sock"


def nginx_conf(cfg: Config, site: str, port: int, tag: str = SERVED) -> str:
	"""nginx in front of gunicorn and socketio, as `bench setup nginx` writes it, for one bench (pure)."""
	gport, sport = internal_ports(port)
	b, c = cfg.bench, conf_dir(cfg, tag)
	tmp = c / "nginx-tmp"
	return f"""# written by hsq harness (bin/hsq start); regenerated on every start
worker_processes auto;
pid {c}/nginx.pid;
error_log {b}/logs/{tag}-nginx-error.log warn;

events {{
	worker_connections 1024;
}}

http {{
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log {b}/logs/{tag}-nginx-access.log;
	client_body_temp_path {tmp}/body;
	proxy_temp_path {tmp}/proxy;
	fastcgi_temp_path {tmp}/fastcgi;
	uwsgi_temp_path {tmp}/uwsgi;
	scgi_temp_path {tmp}/scgi;

	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	server_tokens off;
	client_max_body_size 50m;
	client_body_timeout 60s;
	send_timeout 120s;

	gzip on;
	gzip_vary on;
	gzip_proxied any;
	gzip_comp_level 5;
	gzip_min_length 256;
	gzip_types application/javascript application/json application/xml application/rss+xml
		application/vnd.ms-fontobject application/x-font-ttf font/opentype image/svg+xml
		image/x-icon text/css text/plain text/xml text/javascript;

	upstream hsq-frappe {{
		server 127.0.0.1:{gport} fail_timeout=0;
	}}
	upstream hsq-socketio {{
		server 127.0.0.1:{sport} fail_timeout=0;
	}}

	server {{
		listen {port};
		server_name _;
		root {b}/sites;

		proxy_buffer_size 128k;
		proxy_buffers 4 256k;
		proxy_busy_buffers_size 256k;

		add_header X-Frame-Options "SAMEORIGIN";
		add_header X-Content-Type-Options nosniff;
		add_header Referrer-Policy "same-origin, strict-origin-when-cross-origin";

		location /assets {{
			try_files $uri =404;
			add_header Cache-Control "max-age=31536000";
		}}

		location ~ ^/protected/(.*) {{
			internal;
			try_files /{site}/$1 =404;
		}}

		location /socket.io {{
			proxy_http_version 1.1;
			proxy_set_header Upgrade $http_upgrade;
			proxy_set_header Connection "upgrade";
			proxy_set_header X-Frappe-Site-Name {site};
			proxy_set_header Origin $scheme://$http_host;
			proxy_set_header Host $http_host;
			proxy_read_timeout 120s;
			proxy_pass http://hsq-socketio;
		}}

		location / {{
			rewrite ^(.+)/$ $1 permanent;
			rewrite ^(.+)/index\\.html$ $1 permanent;
			rewrite ^(.+)\\.html$ $1 permanent;

			location ~* ^/files/.*\\.(htm|html|svg|xml) {{
				add_header Content-disposition "attachment";
				try_files /{site}/public/$uri @webserver;
			}}

			try_files /{site}/public/$uri @webserver;
		}}

		location @webserver {{
			# $http_host keeps the port (Frappe builds absolute links from it: a PDF's stylesheets,
			# e-mailed links); X-Forwarded-For is the connection's address, never a client's header
			proxy_http_version 1.1;
			proxy_set_header X-Forwarded-For $remote_addr;
			proxy_set_header X-Forwarded-Proto $scheme;
			proxy_set_header X-Frappe-Site-Name {site};
			proxy_set_header Host $http_host;
			proxy_set_header X-Use-X-Accel-Redirect True;
			proxy_read_timeout 120s;
			proxy_redirect off;
			proxy_pass http://hsq-frappe;
		}}

		error_page 502 503 504 /hsq-unavailable.html;
		location = /hsq-unavailable.html {{
			root {c};
			internal;
		}}
	}}
}}
"""


UNAVAILABLE_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>服务暂不可用</title></head>
<body style="font-family: sans-serif; margin: 4em auto; max-width: 36em; color: #333">
<h1>服务暂不可用</h1>
<p>系统正在启动或维护，请稍后刷新页面重试。</p>
<p style="color: #888">Service temporarily unavailable. Please retry in a moment.</p>
</body></html>
"""


def supervisor_conf(
	cfg: Config,
	runner_env: dict,
	site: str,
	port: int,
	workers: int,
	bench_bin: str,
	tag: str = SERVED,
	programs: tuple[str, ...] = PROGRAMS,
) -> str:
	"""supervisord for one bench: every program restarted when it dies (pure)."""
	gport, sport = internal_ports(port)
	b, c = cfg.bench, conf_dir(cfg, tag)
	py = f"{b}/env/bin/python"
	keep = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "PIP_CONSTRAINT")
	env_items = {k: runner_env[k] for k in keep if k in runner_env}
	env_items.update(
		{
			"PYTHONUNBUFFERED": "1",
			"FRAPPE_BENCH_ROOT": str(b),
			"HSQ_BENCH": str(b),
			"HSQ_SITE": site,
			"HSQ_REDIS_URL": cfg.redis_url,
			"HSQ_DB_HOST": cfg.db_host,
			"HSQ_DB_PORT": str(cfg.db_port),
			"FRAPPE_SOCKETIO_PORT": str(sport),
		}
	)
	for key in ("HSQ_BACKUP_DIR", "HSQ_BACKUP_KEEP", "HSQ_BACKUP_KEY_FILE", "HSQ_BACKUP_AT"):
		if os.environ.get(key):
			env_items[key] = os.environ[key]
	environment = ",".join(f'{k}="{v}"' for k, v in env_items.items())
	# as root, supervisord drops to the bench user before starting anything: no program runs as root
	user = f"user={BENCH_USER}\n" if cfg.as_root else ""
	harness = b / "apps" / APP / "harness" / "hsq.py"

	def program(name, command, directory, stopwait=30, extra=""):
		return f"""
[program:{name}]
command={command}
directory={directory}
autostart=true
autorestart=true
startsecs=2
startretries=10
stopwaitsecs={stopwait}
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={b}/logs/{tag}-{name}.log
stdout_logfile_maxbytes=20MB
stdout_logfile_backups=3
environment={environment}
{extra}"""

	helper = f"{py} -m frappe.utils.bench_helper frappe"
	worker = f"{py} -m hsq_app.utils.worker"
	parts = [
		f"""; written by hsq harness (bin/hsq start); regenerated on every start
[unix_http_server]
file={supervisor_sock(cfg, tag)}
chmod=0770

[supervisord]
logfile={b}/logs/{tag}-supervisord.log
logfile_maxbytes=10MB
pidfile={c}/supervisord.pid
childlogdir={b}/logs
{user}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{supervisor_sock(cfg, tag)}
""",
		program("nginx", f"/usr/sbin/nginx -c {c}/nginx.conf -g 'daemon off;'", b, stopwait=10),
		program(
			"web",
			gunicorn_command(b, gport, workers, web_threads()),
			b / "sites",
			stopwait=40,
		),
		program("socketio", f"/usr/bin/env node {b}/apps/frappe/socketio.js", b, stopwait=10),
		# Frappe's worker, with the jobs' code imported before it forks (hsq_app/utils/worker.py);
		# the short queue's jobs in the worker's own process (no work horse a job)
		program("worker-default", f"{worker} --queue default", b / "sites", stopwait=1560),
		program("worker-short", f"{worker} --queue short --no-fork", b / "sites", stopwait=360),
		program("worker-long", f"{worker} --queue long", b / "sites", stopwait=1560),
		program("schedule", f"{helper} schedule", b / "sites", stopwait=30),
		program("backup", f"/usr/bin/python3 {harness} backup-clock", b, stopwait=600),
	]
	head, bodies = parts[0], parts[1:]
	return head + "".join(body for name, body in zip(PROGRAMS, bodies, strict=True) if name in programs)


def supervisorctl(
	cfg: Config, runner: Runner, *args: str, check: bool = False, tag: str = SERVED
) -> subprocess.CompletedProcess:
	return runner.run(
		"supervisor",
		["supervisorctl", "-c", str(supervisor_conf_path(cfg, tag)), *args],
		as_bench_user=False,
		quiet=True,
		check=check,
		timeout=120,
	)


def supervisor_running(cfg: Config, tag: str = SERVED) -> bool:
	pidfile = conf_dir(cfg, tag) / "supervisord.pid"
	try:
		return _alive(int(pidfile.read_text().strip()))
	except (OSError, ValueError):
		return False


def pid_dir(cfg: Config) -> Path:
	return cfg.bench / "config" / "pids"


def _alive(pid: int) -> bool:
	try:
		os.kill(pid, 0)
		return True
	except (ProcessLookupError, PermissionError):
		return False
	except OSError:
		return False


def _kill_group(pid: int, seconds: float = 5) -> None:
	if not _alive(pid):
		return
	try:
		os.killpg(pid, 15)
	except OSError:
		pass
	deadline = time.time() + seconds
	while time.time() < deadline and _alive(pid):
		time.sleep(0.1)
	if _alive(pid):
		try:
			os.killpg(pid, 9)
		except OSError:
			pass


def stop_supervisor(cfg: Config, runner: Runner | None, tag: str = SERVED) -> None:
	if supervisor_running(cfg, tag):
		pid = int((conf_dir(cfg, tag) / "supervisord.pid").read_text().strip())
		if runner is not None:
			supervisorctl(cfg, runner, "stop", "all", tag=tag)
		try:
			os.kill(pid, 15)  # supervisord stops its programs, then exits
		except OSError:
			pass
		deadline = time.time() + 60
		while time.time() < deadline and _alive(pid):
			time.sleep(0.2)
		if _alive(pid):
			_kill_group(pid)


def stop_processes(cfg: Config, runner: Runner | None = None) -> None:
	"""Stop what `start` serves: the supervisor tree (production) and the dev processes."""
	stop_supervisor(cfg, runner, SERVED)
	stop_supervisor(cfg, runner, TESTED)  # left over by an interrupted HSQ_TEST_PRODUCTION run
	d = pid_dir(cfg)
	if not d.exists():
		return
	for pidfile in d.glob("hsq-*.pid"):
		try:
			pid = int(pidfile.read_text().strip())
		except ValueError:
			continue
		_kill_group(pid)
		pidfile.unlink(missing_ok=True)


def start_dev_processes(cfg: Config, runner: Runner) -> None:
	if port_open("127.0.0.1", cfg.port):
		raise HarnessError("serve", f"port {cfg.port} is in use by another program (set HSQ_PORT or free it)")
	d = pid_dir(cfg)
	runner.run("serve", ["mkdir", "-p", str(d), str(cfg.bench / "logs")])
	bench_bin = str(runner.tools_dir / "bin" / "bench")
	for name, args in DEV_PROCESSES.items():
		args = [a.format(port=cfg.port) for a in args]
		logfile = cfg.bench / "logs" / f"hsq-{name}.log"
		cmd = runner.wrap(
			[
				"sh",
				"-c",
				f"exec {shlex.quote(bench_bin)} {shlex.join(args)} >> {shlex.quote(str(logfile))} 2>&1",
			]
		)
		# detached: no inherited descriptors, or a caller reading our output would wait for the server
		proc = subprocess.Popen(
			cmd,
			cwd=str(cfg.bench),
			env=runner.env(),
			start_new_session=True,
			stdin=subprocess.DEVNULL,
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		(d / f"hsq-{name}.pid").write_text(str(proc.pid))


def _write_as_bench_user(runner: Runner, path: Path, text: str) -> None:
	runner.run("config", ["sh", "-c", f"cat > {shlex.quote(str(path))}"], input=text)


def bytecode_command(cfg: Config, with_app: bool = True) -> list[str]:
	"""Compile the bench's Python to bytecode (pure). uv installs packages without their ``.pyc``
	files, and a process started with PYTHONDONTWRITEBYTECODE (set in some shells and images)
	never writes them: every process then compiled each module it imported from source, and an
	RQ work horse re-imports what its job imports lazily (Jinja, bleach) for every job: up to a
	fifth of the ``short`` worker's CPU during an intake burst (benchmarks/README.md, "Sixteenth
	session"). compileall skips what is up to date, so a start after the first costs seconds."""
	py = cfg.bench / "env" / "bin" / "python"
	targets = sorted(str(p) for p in (cfg.bench / "env" / "lib").glob("python3*/site-packages"))
	targets.append(str(cfg.bench / "apps" / "frappe" / "frappe"))
	if with_app:
		targets.append(str(cfg.bench / "apps" / APP / APP))
	return [str(py), "-m", "compileall", "-q", "-j", "0", *targets]


def compile_bytecode(cfg: Config, runner: Runner) -> None:
	""":func:`bytecode_command`, as the bench user. The app's folder only when the bench user owns
	it: linked from a checkout it cannot write, its modules compile in memory, as before (the
	workers and gunicorn import them once, before they fork)."""
	started = time.monotonic()
	app = (cfg.bench / "apps" / APP / APP).resolve()
	try:
		with_app = not cfg.as_root or app.stat().st_uid == pwd.getpwnam(BENCH_USER).pw_uid
	except (OSError, KeyError):
		with_app = False
	done = runner.run("bytecode", bytecode_command(cfg, with_app), quiet=True, check=False)
	if done.returncode != 0:
		log(f"bytecode: some modules were not compiled ({(done.stdout or done.stderr or '').strip()[:200]})")
	log(f"bytecode compiled for the bench's Python ({time.monotonic() - started:.0f} s)")


def start_production(
	cfg: Config, runner: Runner, site: str, port: int, tag: str = SERVED, programs: tuple[str, ...] = PROGRAMS
) -> None:
	"""Write nginx and supervisord configs for `site` on `port` and start supervisord."""
	compile_bytecode(cfg, runner)
	for p in (port, *internal_ports(port)):
		if port_open("127.0.0.1", p):
			raise HarnessError("serve", f"port {p} is in use by another program (set HSQ_PORT or free it)")
	for tool in ("/usr/sbin/nginx", "/usr/bin/supervisord"):
		if not Path(tool).exists():
			raise HarnessError(
				"serve", f"{tool} is missing: run as root once, or install nginx and supervisor"
			)
	c = conf_dir(cfg, tag)
	runner.run("serve", ["mkdir", "-p", str(c / "nginx-tmp"), str(cfg.bench / "logs")])
	_write_as_bench_user(runner, c / "nginx.conf", nginx_conf(cfg, site, port, tag))
	_write_as_bench_user(runner, c / "hsq-unavailable.html", UNAVAILABLE_HTML)
	workers = web_workers()
	text = supervisor_conf(
		cfg, runner.env(), site, port, workers, str(runner.tools_dir / "bin" / "bench"), tag, programs
	)
	_write_as_bench_user(runner, supervisor_conf_path(cfg, tag), text)
	test = runner.run(
		"nginx", ["/usr/sbin/nginx", "-t", "-c", str(c / "nginx.conf")], quiet=True, check=False
	)
	if test.returncode != 0:
		lines = [ln for ln in (test.stderr or "").splitlines() if "emerg" in ln or "failed" in ln]
		raise HarnessError("nginx", (lines or ["configuration test failed"])[0][:300])
	log(
		f"starting the production shape for {site}: nginx :{port}, gunicorn x{workers}"
		f" ({web_threads()} threads each), " + ", ".join(p for p in programs if p not in ("nginx", "web"))
	)
	# supervisord daemonizes; as root it drops to the bench user (`user=` in its config)
	runner.run(
		"supervisor",
		["/usr/bin/supervisord", "-c", str(supervisor_conf_path(cfg, tag))],
		as_bench_user=False,
		quiet=True,
		cwd=cfg.bench,
	)


def program_states(cfg: Config, runner: Runner) -> dict[str, str]:
	"""{program: supervisor state} ({} when supervisord is not running)."""
	if not supervisor_running(cfg):
		return {}
	out = supervisorctl(cfg, runner, "status").stdout or ""
	return parse_supervisor_status(out)


def parse_supervisor_status(out: str) -> dict[str, str]:
	"""`supervisorctl status` lines -> {name: STATE} (pure)."""
	states = {}
	for line in out.splitlines():
		parts = line.split()
		if len(parts) >= 2 and parts[1].isupper():
			states[parts[0]] = parts[1]
	return states


def health(cfg: Config, runner: Runner) -> list[tuple[str, bool, str]]:
	"""(what, healthy, detail) for every program and service the production shape relies on."""
	rows: list[tuple[str, bool, str]] = []
	states = program_states(cfg, runner)
	for name in PROGRAMS:
		state = states.get(name, "not running")
		rows.append((name, state == "RUNNING", state))
	_, sport = internal_ports(cfg.port)
	url = f"http://127.0.0.1:{cfg.port}/api/method/ping"
	ok, detail = False, ""
	try:
		with urllib.request.urlopen(url, timeout=5) as resp:
			body = resp.read().decode()
			ok = resp.status == 200 and "pong" in body
			detail = f"{resp.status} {body[:40]}"
	except Exception as e:
		detail = str(e)[:80]
	rows.append((f"http :{cfg.port} ping", ok, detail or "no answer"))
	rows.append((f"socketio :{sport}", port_open("127.0.0.1", sport), "port"))
	rows.append((f"database {cfg.db_host}:{cfg.db_port}", port_open(cfg.db_host, cfg.db_port), "port"))
	host, rport = redis_host_port(cfg.redis_url)
	rows.append((f"redis {host}:{rport}", port_open(host, rport), "port"))
	return rows


def redis_host_port(url: str) -> tuple[str, int]:
	host, _, rest = url.removeprefix("redis://").partition(":")
	return host or "127.0.0.1", int(rest.split("/")[0] or 6379)


def set_production_site_settings(cfg: Config, runner: Runner, site: str) -> None:
	"""Scheduler on; no tracebacks on error pages (guests, and everyone: they go to the Error Log)."""
	runner.site_cmd("serve", site, "scheduler", "enable", quiet=True, check=False)
	runner.site_cmd(
		"serve",
		site,
		"execute",
		"frappe.db.set_single_value",
		"--args",
		json.dumps(["System Settings", "allow_error_traceback", 0]),
		quiet=True,
	)
	runner.site_cmd("serve", site, "set-config", "developer_mode", "0", "--parse", quiet=True, check=False)


def cmd_status(cfg: Config, runner: Runner) -> int:
	rows = health(cfg, runner)
	width = max(len(r[0]) for r in rows)
	mode = "production (supervisord)" if supervisor_running(cfg) else "not running under supervisord"
	print(f"hsq status: bench {cfg.bench}, site {cfg.site}, {mode}")
	for what, ok, detail in rows:
		print(f"  {what.ljust(width)}  {'ok       ' if ok else 'UNHEALTHY'}  {detail}")
	bad = [r[0] for r in rows if not r[1]]
	if bad:
		print(f"hsq status: unhealthy: {', '.join(bad)}")
		return 1
	print("hsq status: every process is healthy")
	return 0


# --------------------------------------------------------------------------------------------------
# backups and restore
# --------------------------------------------------------------------------------------------------

BUNDLE_SUFFIX = ".hsq.tar"
ENCRYPTED_SUFFIX = ".enc"
# tables whose row counts go into each bundle's manifest (a restore is checked against them)
COUNTED_TABLES = (
	"tabHSQ Complaint",
	"tabVersion",
	"tabComment",
	"tabAccess Log",
	"tabFile",
	"tabHSQ Follow Up",
	"tabHSQ Rectification Task",
)
BACKUP_ROLES = {
	"database": "-database.sql.gz",
	"public_files": "-files.tgz",
	"private_files": "-private-files.tgz",
	"site_config": "-site_config_backup.json",
}


def backup_dir(cfg: Config, env: dict | None = None) -> Path:
	env = os.environ if env is None else env
	return Path(env.get("HSQ_BACKUP_DIR") or cfg.bench / "backups")


def backup_keep(env: dict | None = None) -> int:
	value = (os.environ if env is None else env).get("HSQ_BACKUP_KEEP", "14")
	if not value.isdigit() or int(value) < 1:
		raise HarnessError("config", f"HSQ_BACKUP_KEEP must be a positive number, got {value!r}")
	return int(value)


def backup_key_file(env: dict | None = None) -> Path | None:
	value = (os.environ if env is None else env).get("HSQ_BACKUP_KEY_FILE", "")
	if not value:
		return None
	path = Path(value)
	if not path.is_file() or not path.read_bytes().strip():
		raise HarnessError("config", f"HSQ_BACKUP_KEY_FILE {value} is not a readable, non-empty file")
	return path


def bundle_name(site: str, stamp: str, encrypted: bool) -> str:
	return f"{site}-{stamp}{BUNDLE_SUFFIX}" + (ENCRYPTED_SUFFIX if encrypted else "")


def bundles_to_prune(names: list[str], site: str, keep: int) -> list[str]:
	"""The site's bundles beyond the newest `keep` (names sort by their timestamp) (pure)."""
	mine = sorted(
		n
		for n in names
		if n.startswith(f"{site}-")
		and (n.endswith(BUNDLE_SUFFIX) or n.endswith(BUNDLE_SUFFIX + ENCRYPTED_SUFFIX))
		and n[len(site) + 1 : len(site) + 16].replace("-", "").isdigit()
	)
	return mine[:-keep] if len(mine) > keep else []


def classify_backup_files(names: list[str]) -> dict[str, str]:
	"""Frappe's backup file names -> {role: name} (pure)."""
	found = {}
	for name in names:
		for role, suffix in BACKUP_ROLES.items():
			if name.endswith(suffix) and not (role == "public_files" and name.endswith("-private-files.tgz")):
				found[role] = name
	return found


def _sha256(path: Path) -> str:
	digest = hashlib.sha256()
	with open(path, "rb") as f:
		for chunk in iter(lambda: f.read(1 << 20), b""):
			digest.update(chunk)
	return digest.hexdigest()


def site_config(cfg: Config, site: str) -> dict:
	return json.loads((cfg.bench / "sites" / site / "site_config.json").read_text())


def table_counts(cfg: Config, runner: Runner, site: str) -> dict[str, int]:
	"""Row counts of COUNTED_TABLES in the site's database (on the server its site config names)."""
	conf = site_config(cfg, site)
	db_name = conf["db_name"]
	on_server = Config(
		bench=cfg.bench,
		db_host=conf.get("db_host") or cfg.db_host,
		db_port=int(conf.get("db_port") or cfg.db_port),
	)
	sql = "\n".join(f"SELECT {mysql_quote(t)}, COUNT(*) FROM `{db_name}`.`{t}`;" for t in COUNTED_TABLES)
	out = mysql(on_server, runner, sql, user=cfg.db_admin_user, password=cfg.db_admin_password, step="backup")
	counts = {}
	for line in out.splitlines():
		name, _, n = line.rpartition("\t")
		counts[name] = int(n)
	return counts


def _chown_to_bench_user(cfg: Config, path: Path) -> None:
	if cfg.as_root and _user_exists():
		shutil.chown(path, BENCH_USER, BENCH_USER)


def cmd_backup(cfg: Config, runner: Runner, site: str | None) -> int:
	"""Database, public and private files and site config of `site`, one compressed bundle."""
	site = site or cfg.site
	if not site_exists(cfg, site):
		raise HarnessError("backup", f"site {site} does not exist in {cfg.bench}")
	key = backup_key_file()
	out = backup_dir(cfg)
	out.mkdir(parents=True, exist_ok=True)
	_chown_to_bench_user(cfg, out)
	stamp = time.strftime("%Y%m%d-%H%M%S")
	created = time.strftime("%Y-%m-%dT%H:%M:%S%z")  # when the backup began: replay binary logs from here
	work = out / f".work-{site}-{stamp}"
	started = time.time()
	try:
		runner.site_cmd(
			"backup", site, "backup", "--with-files", "--compress", "--backup-path", str(work), quiet=True
		)
		files = classify_backup_files([p.name for p in work.iterdir()])
		missing = set(BACKUP_ROLES) - set(files)
		if missing:
			raise HarnessError("backup", f"bench backup did not write {', '.join(sorted(missing))}")
		manifest = {
			"format": 1,
			"site": site,
			"created": created,
			"app_fingerprint": tree_fingerprint(REPO_ROOT / APP),
			"files": {
				role: {"name": name, "bytes": (work / name).stat().st_size, "sha256": _sha256(work / name)}
				for role, name in files.items()
			},
			"counts": table_counts(cfg, runner, site),
		}
		(work / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
		bundle = out / bundle_name(site, stamp, encrypted=False)
		subprocess.run(
			["tar", "-cf", str(bundle), "-C", str(work), "manifest.json", *files.values()], check=True
		)
		if key:
			enc = out / bundle_name(site, stamp, encrypted=True)
			subprocess.run(
				[
					"openssl",
					"enc",
					"-aes-256-cbc",
					"-pbkdf2",
					"-iter",
					"200000",
					"-salt",
					"-pass",
					f"file:{key}",
					"-in",
					str(bundle),
					"-out",
					str(enc),
				],
				check=True,
			)
			bundle.unlink()
			bundle = enc
		os.chmod(bundle, 0o600)
		_chown_to_bench_user(cfg, bundle)
	finally:
		if work.exists():
			shutil.rmtree(work, ignore_errors=True)
	pruned = bundles_to_prune([p.name for p in out.iterdir()], site, backup_keep())
	for name in pruned:
		(out / name).unlink(missing_ok=True)
	size = bundle.stat().st_size / 1e6
	log(
		f"backup of {site}: {bundle} ({size:.1f} MB, {time.time() - started:.1f}s)"
		+ (f"; pruned {len(pruned)} old" if pruned else "")
	)
	print(bundle)
	return 0


def restored_site_name(original: str) -> str:
	"""hsq.localhost -> hsq-restored.localhost (pure)."""
	head, dot, tail = original.partition(".")
	return f"{head}-restored{dot}{tail}"


# site_config keys that belong to the database the restore creates, not to the backup
SITE_CONFIG_OWN_KEYS = {"db_name", "db_password", "db_type", "db_host", "db_port"}


def cmd_restore(cfg: Config, runner: Runner, bundle_arg: str, site: str | None) -> int:
	"""A backup bundle into a NEW site: database, public and private files, and its site config."""
	started = time.time()
	bundle = Path(bundle_arg).resolve()
	if not bundle.is_file():
		raise HarnessError("restore", f"no backup bundle at {bundle_arg}")
	work = cfg.bench / "backups" / f".restore-{os.getpid()}-{int(started)}"
	work.mkdir(parents=True, exist_ok=True)
	_chown_to_bench_user(cfg, work.parent)
	try:
		tar_path = bundle
		if bundle.name.endswith(ENCRYPTED_SUFFIX) or bundle.read_bytes()[:8] == b"Salted__":
			key = backup_key_file()
			if not key:
				raise HarnessError("restore", "the bundle is encrypted: set HSQ_BACKUP_KEY_FILE to its key")
			tar_path = work / "bundle.tar"
			dec = subprocess.run(
				[
					"openssl",
					"enc",
					"-d",
					"-aes-256-cbc",
					"-pbkdf2",
					"-iter",
					"200000",
					"-pass",
					f"file:{key}",
					"-in",
					str(bundle),
					"-out",
					str(tar_path),
				],
				capture_output=True,
			)
			if dec.returncode != 0:
				raise HarnessError(
					"restore", "cannot decrypt the bundle with HSQ_BACKUP_KEY_FILE (wrong key?)"
				)
		if subprocess.run(["tar", "-xf", str(tar_path), "-C", str(work)], capture_output=True).returncode:
			raise HarnessError("restore", f"{bundle.name} is not a backup bundle (tar failed)")
		manifest_path = work / "manifest.json"
		if not manifest_path.exists():
			raise HarnessError("restore", f"{bundle.name} has no manifest.json: not an hsq backup bundle")
		manifest = json.loads(manifest_path.read_text())
		for meta in manifest["files"].values():
			if _sha256(work / meta["name"]) != meta["sha256"]:
				raise HarnessError("restore", f"{meta['name']} in the bundle is damaged (checksum differs)")
		site = site or restored_site_name(manifest["site"])
		if (cfg.bench / "sites" / site).exists():
			raise HarnessError(
				"restore", f"site {site} exists: a restore goes into a new site (name another)"
			)
		subprocess.run(
			["chown", "-R", f"{BENCH_USER}:{BENCH_USER}", str(work)], check=False
		) if cfg.as_root else None
		files = {role: work / meta["name"] for role, meta in manifest["files"].items()}
		log(f"restoring {manifest['site']} ({manifest['created']}) into new site {site}")
		forget_module_map(cfg, runner)
		runner.bench(
			"restore",
			"new-site",
			site,
			"--source-sql",
			str(files["database"]),
			"--db-root-username",
			cfg.db_admin_user,
			"--db-root-password",
			cfg.db_admin_password,
			"--db-host",
			cfg.db_host,
			"--db-port",
			str(cfg.db_port),
			"--admin-password",
			cfg.admin_password,
			"--force",
			quiet=True,
		)
		# the old site's secrets (encryption_key decrypts stored passwords and tokens) and settings
		old_conf = json.loads(files["site_config"].read_text())
		for key_name, value in old_conf.items():
			if key_name not in SITE_CONFIG_OWN_KEYS:
				runner.site_cmd(
					"restore", site, "set-config", key_name, json.dumps(value), "--parse", quiet=True
				)
		site_dir = cfg.bench / "sites" / site
		for role in ("public_files", "private_files"):
			# frappe's tars hold ./<site>/<public|private>/files/...: strip two levels, as `bench restore` does
			runner.run(
				"restore",
				["tar", "-xzf", str(files[role]), "--strip-components", "2", "-C", str(site_dir)],
			)
		if manifest.get("app_fingerprint") != tree_fingerprint(REPO_ROOT / APP):
			log(f"the backup was taken with other app code: migrating {site}")
			runner.site_cmd("restore", site, "migrate", quiet=True)
		mark_fingerprint(cfg, runner, site)
		counts = table_counts(cfg, runner, site)
		differ = {t: (n, counts.get(t)) for t, n in manifest.get("counts", {}).items() if counts.get(t) != n}
		if differ:
			raise HarnessError("restore", f"row counts differ from the backup's: {differ}")
	finally:
		shutil.rmtree(work, ignore_errors=True)
	log(f"restored into {site} in {time.time() - started:.0f}s; row counts match the backup's manifest")
	print(site)
	return 0


def next_backup_time(now: float, at: str) -> float:
	"""The next local time HH:MM after `now` (pure)."""
	hh, mm = (int(x) for x in at.split(":"))
	t = time.localtime(now)
	target = time.mktime((t.tm_year, t.tm_mon, t.tm_mday, hh, mm, 0, 0, 0, -1))
	if target <= now:
		target = time.mktime((t.tm_year, t.tm_mon, t.tm_mday + 1, hh, mm, 0, 0, 0, -1))
	return target


def cmd_backup_clock(cfg: Config, runner: Runner) -> int:
	"""Run by supervisord in the production shape: a backup of the served site every day at HSQ_BACKUP_AT."""
	at = os.environ.get("HSQ_BACKUP_AT", "02:30")
	while True:
		wake = next_backup_time(time.time(), at)
		log(f"next backup of {cfg.site} at {time.strftime('%Y-%m-%d %H:%M', time.localtime(wake))}")
		while time.time() < wake:
			time.sleep(min(300, max(1, wake - time.time())))
		try:
			cmd_backup(cfg, runner, cfg.site)
		except (HarnessError, subprocess.CalledProcessError, OSError) as e:
			log(f"backup failed: {e}")  # supervisord keeps the clock running; the next day tries again


# --------------------------------------------------------------------------------------------------
# MariaDB: the harness's conf.d file, and a read replica
# --------------------------------------------------------------------------------------------------

MARIADB_CONF_DIR = Path("/etc/mysql/mariadb.conf.d")
MARIADB_CONF = MARIADB_CONF_DIR / "90-hsq.cnf"
# the first harness wrote only utf8mb4 settings, to this name
OLD_MARIADB_CONF = MARIADB_CONF_DIR / "99-hsq.cnf"
MY_CNF = Path("/etc/mysql/my.cnf")
MY_CNF_INCLUDE = "!includedir /etc/mysql/mariadb.conf.d/"


def mem_total_mb() -> int:
	try:
		for line in Path("/proc/meminfo").read_text().splitlines():
			if line.startswith("MemTotal:"):
				return int(line.split()[1]) // 1024
	except OSError:
		pass
	return 4096


def buffer_pool_mb(mem_mb: int) -> int:
	"""InnoDB buffer pool: 40 % of the machine's memory, rounded down to 128 MiB, at least 256 MiB.

	40 % and not the 70-80 % of a dedicated database host: on this one-machine shape the same memory
	holds gunicorn (about 250 MB a worker), the RQ workers, Redis, nginx and the OS page cache for
	files and backups. 24 GiB -> 9600 MiB; 8 GiB -> 3200 MiB; 4 GiB -> 1536 MiB (pure)."""
	return max(256, int(mem_mb * 0.4) // 128 * 128)


def mariadb_cnf(mem_mb: int, server_id: int = 1) -> str:
	"""The harness's persistent MariaDB settings (pure)."""
	return f"""# written by hsq harness (bin/hsq): what hsq_app needs of MariaDB; read at MariaDB's start
[mysqld]
# Frappe needs utf8mb4 throughout
character-set-client-handshake = FALSE
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
# buffer pool = 40 % of {mem_mb} MiB memory, rounded down to 128 MiB (harness/hsq.py buffer_pool_mb)
innodb_buffer_pool_size = {buffer_pool_mb(mem_mb)}M
innodb_log_file_size = 512M
innodb_flush_log_at_trx_commit = 1
# slow queries (over 1 s) for the bureau's IT to look at
slow_query_log = 1
slow_query_log_file = /var/log/mysql/mariadb-slow.log
long_query_time = 1
# binary log with GTIDs: point-in-time recovery and the read replica (bin/hsq replica)
server_id = {server_id}
log_bin = mariadb-bin
log_bin_index = mariadb-bin.index
binlog_format = ROW
sync_binlog = 1
log_slave_updates = 1
gtid_domain_id = 0
binlog_expire_logs_seconds = 604800
max_binlog_size = 256M

[mysql]
default-character-set = utf8mb4
"""


# what a running server shows when it runs with the conf above: {variable: expected}
def expected_db_variables(mem_mb: int) -> dict[str, str]:
	return {
		"log_bin": "ON",
		"slow_query_log": "ON",
		"innodb_buffer_pool_size": str(buffer_pool_mb(mem_mb) * 1024 * 1024),
		"character_set_server": "utf8mb4",
	}


def db_restart_allowed(env: dict) -> bool:
	"""Restart the machine's MariaDB to apply the conf: HSQ_DB_RESTART=1, or CI unless HSQ_DB_RESTART=0 (pure).

	Never by default on a developer's machine, where other people's tests may be using it."""
	flag = (env.get("HSQ_DB_RESTART") or "").strip().lower()
	if flag in {"0", "false", "no", "off"}:
		return False
	return _truthy(flag) or _truthy(env.get("CI"))


def ensure_mariadb_conf(cfg: Config, runner: Runner) -> bool:
	"""Write 99-hsq.cnf (and make my.cnf read its folder). True when a file changed."""
	changed = False
	text = mariadb_cnf(mem_total_mb())
	MARIADB_CONF_DIR.mkdir(parents=True, exist_ok=True)
	if not MARIADB_CONF.exists() or MARIADB_CONF.read_text() != text:
		MARIADB_CONF.write_text(text)
		changed = True
	if OLD_MARIADB_CONF.exists() and OLD_MARIADB_CONF.read_text().startswith("# written by hsq harness"):
		OLD_MARIADB_CONF.unlink()
		changed = True
	if MY_CNF.exists():
		current = MY_CNF.read_text()
		if not any(
			line.strip().startswith("!includedir /etc/mysql/mariadb.conf.d") for line in current.splitlines()
		):
			# Debian's stock my.cnf ends with this line; a trimmed one may have lost it
			MY_CNF.write_text(current.rstrip("\n") + f"\n\n# added by hsq harness\n{MY_CNF_INCLUDE}\n")
			changed = True
	return changed


def running_db_variables(cfg: Config, runner: Runner) -> dict[str, str]:
	names = ", ".join(mysql_quote(n) for n in expected_db_variables(1))
	out = mysql(
		cfg,
		runner,
		f"SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME IN ({names});",
		user=cfg.db_root_user,
		password=cfg.db_root_password,
	)
	return {k.lower(): v for k, _, v in (line.partition("\t") for line in out.splitlines())}


def db_conf_pending(expected: dict[str, str], running: dict[str, str]) -> list[str]:
	"""Variables the running server has not taken from the conf yet (pure)."""
	return [k for k, v in expected.items() if running.get(k, "").upper() != v.upper()]


def restart_local_mariadb(cfg: Config, runner: Runner) -> None:
	log("restarting MariaDB to apply /etc/mysql/mariadb.conf.d/90-hsq.cnf")
	proc = subprocess.run(
		["mariadb-admin", f"-h{cfg.db_host}", f"-P{cfg.db_port}", f"-u{cfg.db_root_user}", "shutdown"],
		env={**os.environ, **({"MYSQL_PWD": cfg.db_root_password} if cfg.db_root_password else {})},
		capture_output=True,
		text=True,
		timeout=180,
	)
	if proc.returncode != 0:
		raise HarnessError("database", f"cannot stop MariaDB to apply its conf: {proc.stderr.strip()[:200]}")
	deadline = time.time() + 120
	while time.time() < deadline and (port_open(cfg.db_host, cfg.db_port) or _mariadbd_running()):
		time.sleep(0.5)
	_start_daemon(["/usr/sbin/mariadbd"], runner)
	_wait_port(cfg.db_host, cfg.db_port, 120)
	if not port_open(cfg.db_host, cfg.db_port):
		raise HarnessError(
			"database", "MariaDB did not come back after the restart; see /var/log/mysql/error.log"
		)


def _mariadbd_running() -> bool:
	return subprocess.run(["pgrep", "-x", "mariadbd"], capture_output=True).returncode == 0


def step_db_conf(cfg: Config, runner: Runner) -> None:
	"""The harness's MariaDB conf on this machine's own server; applied now only where allowed."""
	if not (
		cfg.as_root
		and is_loopback(cfg.db_host)
		and cfg.db_port == 3306
		and Path("/usr/sbin/mariadbd").exists()
	):
		return
	ensure_mariadb_conf(cfg, runner)
	if not port_open(cfg.db_host, cfg.db_port):
		return  # step_services starts it with the conf
	try:
		pending = db_conf_pending(expected_db_variables(mem_total_mb()), running_db_variables(cfg, runner))
	except HarnessError:
		return  # no root access to ask: leave it for its next restart
	if not pending:
		return
	if db_restart_allowed(dict(os.environ)):
		restart_local_mariadb(cfg, runner)
		still = db_conf_pending(expected_db_variables(mem_total_mb()), running_db_variables(cfg, runner))
		if still:
			log(f"MariaDB restarted but does not show {', '.join(still)} as configured; see its error log")
	else:
		log(
			f"MariaDB runs without {', '.join(pending)} as {MARIADB_CONF} sets them; they apply at its next"
			" restart (HSQ_DB_RESTART=1 lets the harness restart it now)"
		)


# ---- the read replica -----------------------------------------------------------------------------

REPLICA_USER = "hsq_repl"


def replica_port(env: dict | None = None) -> int:
	value = (os.environ if env is None else env).get("HSQ_REPLICA_PORT", "3307")
	if not value.isdigit():
		raise HarnessError("config", f"HSQ_REPLICA_PORT must be a TCP port number, got {value!r}")
	return int(value)


def replica_dir(cfg: Config) -> Path:
	return cfg.bench / "replica"


def replica_server_args(cfg: Config, port: int, db_name: str) -> list[str]:
	"""mariadbd for the replica: its own data directory and port, read-only, one database (pure)."""
	d = replica_dir(cfg)
	return [
		"/usr/sbin/mariadbd",
		"--no-defaults",
		f"--datadir={d / 'data'}",
		f"--port={port}",
		"--bind-address=127.0.0.1",
		f"--socket={d / 'mysqld.sock'}",
		f"--pid-file={d / 'mysqld.pid'}",
		f"--log-error={cfg.bench / 'logs' / 'hsq-replica.err'}",
		f"--server-id={port}",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
		"--innodb-buffer-pool-size=512M",
		"--read-only=1",
		f"--relay-log={d / 'data' / 'relay-bin'}",
		f"--replicate-do-db={db_name}",
		"--slave-parallel-threads=2",
		"--skip-name-resolve",
	]


def replica_sql(cfg: Config, runner: Runner, sql: str, step: str = "replica") -> str:
	sock = replica_dir(cfg) / "mysqld.sock"
	proc = runner.run(
		step,
		["mariadb", f"--socket={sock}", "-uroot", "--batch", "--skip-column-names", "-e", sql],
		quiet=True,
		check=False,
	)
	if proc.returncode != 0:
		reason = ((proc.stderr or "").strip().splitlines() or ["failed"])[-1]
		raise HarnessError(step, f"replica: {reason}")
	return proc.stdout


def replica_status(cfg: Config, runner: Runner) -> dict[str, str]:
	out = (
		runner.run(
			"replica",
			[
				"mariadb",
				f"--socket={replica_dir(cfg) / 'mysqld.sock'}",
				"-uroot",
				"-e",
				"SHOW SLAVE STATUS\\G",
			],
			quiet=True,
			check=False,
		).stdout
		or ""
	)
	status = {}
	for line in out.splitlines():
		key, sep, value = line.strip().partition(":")
		if sep:
			status[key.strip()] = value.strip()
	return status


def primary_log_bin(cfg: Config) -> str:
	out = mysql(
		cfg, None, "SELECT @@log_bin;", user=cfg.db_admin_user, password=cfg.db_admin_password, step="replica"
	)
	return out.strip()


def cmd_replica(cfg: Config, runner: Runner, action: str, site: str | None) -> int:
	site = site or cfg.site
	port = replica_port()
	if action == "status":
		if not port_open("127.0.0.1", port):
			print(f"replica: not running on :{port}")
			return 1
		st = replica_status(cfg, runner)
		keys = (
			"Master_Host",
			"Master_Port",
			"Slave_IO_Running",
			"Slave_SQL_Running",
			"Gtid_IO_Pos",
			"Seconds_Behind_Master",
			"Replicate_Do_DB",
			"Last_Error",
		)
		for k in keys:
			print(f"  {k}: {st.get(k, '')}")
		healthy = st.get("Slave_IO_Running") == "Yes" and st.get("Slave_SQL_Running") == "Yes"
		return 0 if healthy else 1
	if action == "stop":
		replica_stop(cfg, runner, site)
		return 0
	replica_start(cfg, runner, site)
	return 0


def replica_stop(cfg: Config, runner: Runner, site: str | None, unset_site: bool = True) -> None:
	"""Stop the replica server; the site reads from the primary again."""
	if site and unset_site and site_exists(cfg, site):
		runner.site_cmd("replica", site, "set-config", "read_from_replica", "0", "--parse", quiet=True)
	pidfile = replica_dir(cfg) / "mysqld.pid"
	try:
		pid = int(pidfile.read_text().strip())
	except (OSError, ValueError):
		return
	if _alive(pid):
		os.kill(pid, 15)
		deadline = time.time() + 60
		while time.time() < deadline and _alive(pid):
			time.sleep(0.2)
	log("replica stopped")


def _replica_running(st: dict[str, str]) -> bool:
	return st.get("Slave_IO_Running") == "Yes" and st.get("Slave_SQL_Running") == "Yes"


def _replica_error(st: dict[str, str]) -> str:
	return st.get("Last_IO_Error") or st.get("Last_SQL_Error") or "no error reported"


def _replica_wait_running(cfg: Config, runner: Runner, seconds: float = 60) -> dict[str, str]:
	deadline = time.time() + seconds
	while True:
		st = replica_status(cfg, runner)
		if _replica_running(st) or time.time() >= deadline:
			return st
		if st.get("Last_IO_Errno") in ("1045", "1236") or st.get("Last_SQL_Error"):
			# access denied, or the position is gone from the primary's binary log: waiting will not help
			return st
		time.sleep(1)


def _replica_copy(cfg: Config, runner: Runner, db_name: str, repl_pw: str) -> None:
	"""Copy the site's database to the replica from a consistent snapshot and replicate from its GTID."""
	d = replica_dir(cfg)
	log(f"copying {db_name} to the replica (consistent snapshot with its GTID position)")
	replica_sql(cfg, runner, f"STOP SLAVE; RESET SLAVE ALL; DROP DATABASE IF EXISTS `{db_name}`;")
	dump = (
		f"MYSQL_PWD={shlex.quote(cfg.db_admin_password)} mariadb-dump -h{cfg.db_host} -P{cfg.db_port}"
		f" -u{shlex.quote(cfg.db_admin_user)} --single-transaction --master-data=1 --gtid --routines"
		f" --databases {shlex.quote(db_name)}"
		f" | mariadb --socket={shlex.quote(str(d / 'mysqld.sock'))} -uroot"
	)
	runner.run("replica", ["bash", "-o", "pipefail", "-c", dump], quiet=True)
	replica_sql(
		cfg,
		runner,
		f"CHANGE MASTER TO MASTER_HOST={mysql_quote(cfg.db_host)}, MASTER_PORT={cfg.db_port},"
		f" MASTER_USER='{REPLICA_USER}', MASTER_PASSWORD={mysql_quote(repl_pw)},"
		f" MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=5; START SLAVE;",
	)


def replica_start(cfg: Config, runner: Runner, site: str) -> None:
	"""A second MariaDB (own data directory, port HSQ_REPLICA_PORT) replicating `site`'s database with GTID."""
	if not site_exists(cfg, site):
		raise HarnessError("replica", f"site {site} does not exist in {cfg.bench}")
	if primary_log_bin(cfg) != "1":
		raise HarnessError(
			"replica",
			f"the binary log is off on the primary {cfg.db_host}:{cfg.db_port}: the harness's"
			f" {MARIADB_CONF} turns it on at MariaDB's next restart (HSQ_DB_RESTART=1 restarts it now)",
		)
	conf = site_config(cfg, site)
	db_name, db_password = conf["db_name"], conf["db_password"]
	port = replica_port()
	d = replica_dir(cfg)
	state_file = d / "hsq-replica.json"
	state = json.loads(state_file.read_text()) if state_file.exists() else {}
	if state and state.get("db_name") != db_name:
		# another site's database: start over
		replica_stop(cfg, runner, state.get("site"), unset_site=False)
		runner.run("replica", ["rm", "-rf", str(d)])
		state = {}
	runner.run("replica", ["mkdir", "-p", str(d), str(cfg.bench / "logs")])
	if not (d / "data" / "mysql").exists():
		log(f"initialising the replica's data directory {d / 'data'}")
		runner.run(
			"replica",
			[
				"mariadb-install-db",
				"--no-defaults",
				f"--datadir={d / 'data'}",
				"--auth-root-authentication-method=normal",
				"--skip-test-db",
			],
			quiet=True,
		)
	if not port_open("127.0.0.1", port):
		log(f"starting the replica on 127.0.0.1:{port}")
		cmd = runner.wrap(replica_server_args(cfg, port, db_name))
		subprocess.Popen(
			cmd,
			env=runner.env(),
			start_new_session=True,
			stdin=subprocess.DEVNULL,
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		_wait_port("127.0.0.1", port, 60)
		if not port_open("127.0.0.1", port):
			raise HarnessError(
				"replica", f"the replica did not start; see {cfg.bench / 'logs' / 'hsq-replica.err'}"
			)
	# the replication account on the primary (REPLICATION SLAVE only)
	repl_pw = hashlib.sha256(f"{cfg.bench}:{db_password}".encode()).hexdigest()[:24]
	mysql(
		cfg,
		None,
		"\n".join(
			f"CREATE USER IF NOT EXISTS '{REPLICA_USER}'@{mysql_quote(h)} IDENTIFIED BY {mysql_quote(repl_pw)};"
			f" ALTER USER '{REPLICA_USER}'@{mysql_quote(h)} IDENTIFIED BY {mysql_quote(repl_pw)};"
			f" GRANT REPLICATION SLAVE ON *.* TO '{REPLICA_USER}'@{mysql_quote(h)};"
			for h in ("127.0.0.1", "localhost")
		),
		user=cfg.db_admin_user,
		password=cfg.db_admin_password,
		step="replica",
	)
	# the site's identity: a site dropped and created again under the same database name has a new
	# password (and so a new replication password), and its replica copy is of the old database
	identity = hashlib.sha256(f"{db_name}:{db_password}".encode()).hexdigest()[:16]
	st = replica_status(cfg, runner)
	fresh_copy = (
		not state
		or state.get("identity") != identity
		or st.get("Slave_SQL_Running") != "Yes"
		or bool(st.get("Last_SQL_Error"))
	)
	if fresh_copy:
		_replica_copy(cfg, runner, db_name, repl_pw)
	else:
		# the replication password follows the site's: say it again before resuming
		replica_sql(
			cfg,
			runner,
			f"STOP SLAVE; CHANGE MASTER TO MASTER_USER='{REPLICA_USER}', MASTER_PASSWORD={mysql_quote(repl_pw)};"
			" START SLAVE;",
		)
	# the site's own account reads there (and only there: the server is read-only)
	replica_sql(
		cfg,
		runner,
		f"CREATE USER IF NOT EXISTS {mysql_quote(db_name)}@'%' IDENTIFIED BY {mysql_quote(db_password)};"
		f" ALTER USER {mysql_quote(db_name)}@'%' IDENTIFIED BY {mysql_quote(db_password)};"
		f" GRANT SELECT, SHOW VIEW, CREATE TEMPORARY TABLES ON `{db_name}`.* TO {mysql_quote(db_name)}@'%';",
	)
	state_file_text = json.dumps({"site": site, "db_name": db_name, "port": port, "identity": identity})
	runner.run("replica", ["sh", "-c", f"cat > {shlex.quote(str(state_file))}"], input=state_file_text)
	for key, value in (("read_from_replica", 1), ("replica_host", "127.0.0.1"), ("replica_db_port", port)):
		runner.site_cmd("replica", site, "set-config", key, json.dumps(value), "--parse", quiet=True)
	st = _replica_wait_running(cfg, runner)
	if not _replica_running(st) and not fresh_copy:
		# the primary no longer has the binary log from the replica's position (purged, or the log was
		# off for a while): copy again from a consistent snapshot
		log(f"replication did not resume ({_replica_error(st)}); copying {db_name} again")
		_replica_copy(cfg, runner, db_name, repl_pw)
		st = _replica_wait_running(cfg, runner)
	if not _replica_running(st):
		raise HarnessError("replica", f"replication did not start: {_replica_error(st)}")
	log(f"replica of {site} ({db_name}) running on 127.0.0.1:{port}; the site reads reports and lists there")


def wait_http(url: str, seconds: float) -> bool:
	deadline = time.time() + seconds
	while time.time() < deadline:
		try:
			with urllib.request.urlopen(url, timeout=5) as resp:
				if resp.status == 200:
					return True
		except Exception:
			time.sleep(1)
	return False


# --------------------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------------------


def prepare(cfg: Config, runner: Runner) -> None:
	for name, fn in (
		("system", step_system),
		("services", step_services),
		("database admin", step_db_admin),
		("tools", step_tools),
		("bench", step_bench),
		("bench config", step_bench_config),
		("app", step_app),
		("translations", step_translations),
	):
		started = time.time()
		fn(cfg, runner)
		elapsed = time.time() - started
		if elapsed > 5:
			log(f"{name} ready ({elapsed:.0f}s)")


def cmd_start(cfg: Config, runner: Runner, dev: bool = False) -> int:
	stop_processes(cfg, runner)
	if port_open("127.0.0.1", cfg.port):
		raise HarnessError("serve", f"port {cfg.port} is in use by another program (set HSQ_PORT or free it)")
	prepare(cfg, runner)
	step_assets(cfg, runner)
	if not site_exists(cfg, cfg.site):
		new_site(cfg, runner, cfg.site)
		mark_fingerprint(cfg, runner, cfg.site)
		log("loading demo data")
		runner.site_cmd(
			"demo",
			cfg.site,
			"execute",
			"hsq_app.install.demo.make_demo",
			"--kwargs",
			json.dumps({"password": cfg.demo_password}),
		)
	else:
		migrate_if_changed(cfg, runner, cfg.site)
	runner.bench("serve", "use", cfg.site, quiet=True)
	url = f"http://127.0.0.1:{cfg.port}"
	if dev:
		start_dev_processes(cfg, runner)
		logname = "hsq-web.log"
	else:
		set_production_site_settings(cfg, runner, cfg.site)
		start_production(cfg, runner, cfg.site, cfg.port)
		logname = "hsq-web.log, hsq-nginx-error.log"
	if not wait_http(f"{url}/api/method/ping", 120):
		raise HarnessError(
			"serve", f"the desk did not answer on {url} within 120s; see {cfg.bench}/logs/{logname}"
		)
	logins = runner.site_cmd(
		"demo", cfg.site, "execute", "hsq_app.install.demo.print_login_table", quiet=True, check=False
	).stdout
	shape = (
		"the development server"
		if dev
		else "nginx, gunicorn, socketio, workers and scheduler under supervisord"
	)
	print(f"\nhsq_app is serving on {url}  (site {cfg.site}; {shape})")
	print(f"Administrator / {cfg.admin_password}")
	if logins:
		print(logins.strip())
	print(f"Demo users' password: {cfg.demo_password}    status: bin/hsq status    stop: bin/hsq stop")
	return 0


def cmd_test(cfg: Config, runner: Runner, pytest_args: list[str]) -> int:
	prepare(cfg, runner)
	site = cfg.test_site
	if cfg.reuse_test_site and site_exists(cfg, site):
		migrate_if_changed(cfg, runner, site)
	else:
		if site_exists(cfg, site) or (cfg.bench / "sites" / site).exists():
			drop_site(cfg, runner, site)
		new_site(cfg, runner, site)
		mark_fingerprint(cfg, runner, site)
	for key, value in TEST_SITE_CONFIG.items():
		runner.site_cmd("test site", site, "set-config", key, json.dumps(value), "--parse", quiet=True)
	if shutil.which("chromium"):
		step_assets(cfg, runner)  # the browser tests load the desk (fingerprinted: a no-op when unchanged)
	# screenshots of the browser tests land in the checkout's test-output/ (pytest runs as the bench user)
	(REPO_ROOT / "test-output").mkdir(exist_ok=True)
	if cfg.as_root:
		shutil.chown(REPO_ROOT / "test-output", BENCH_USER, BENCH_USER)
	app_dir = cfg.bench / "apps" / APP
	args = with_default_test_path([resolve_test_path(a, app_dir) for a in pytest_args], app_dir)
	cmd = [
		str(cfg.bench / "env/bin/python"),
		"-m",
		"pytest",
		"-p",
		"no:cacheprovider",
		"--rootdir",
		str(app_dir),
		"-c",
		str(app_dir / "pyproject.toml"),
		*args,
	]
	env_cmd = [
		"env",
		f"HSQ_TEST_SITE={site}",
		f"HSQ_SITES_PATH={cfg.bench / 'sites'}",
		f"HSQ_BENCH={cfg.bench}",
	]
	live = _truthy(os.environ.get("HSQ_TEST_PRODUCTION"))
	if live:
		# the browser tests drive the production shape serving the test site (no scheduler: tests
		# decide when jobs run)
		port = production_test_port(cfg)
		stop_supervisor(cfg, runner, TESTED)
		step_assets(cfg, runner)
		start_production(cfg, runner, site, port, TESTED, TEST_PROGRAMS)
		url = f"http://127.0.0.1:{port}"
		if not wait_http(f"{url}/api/method/ping", 120):
			stop_supervisor(cfg, runner, TESTED)
			raise HarnessError("serve", f"the test site's production shape did not answer on {url}")
		env_cmd.append(f"HSQ_LIVE_URL={url}")
	log(f"pytest on {site}" + (f", browser tests against the production shape on {url}" if live else ""))
	try:
		proc = runner.run("pytest", [*env_cmd, *cmd], cwd=cfg.bench / "sites", check=False)
	finally:
		if live:
			stop_supervisor(cfg, runner, TESTED)
	return proc.returncode


TEST_PROGRAMS = ("nginx", "web", "socketio", "worker-default", "worker-short", "worker-long")


def production_test_port(cfg: Config) -> int:
	"""HSQ_TEST_PORT, else HSQ_PORT + 50 (pure given the environment)."""
	value = os.environ.get("HSQ_TEST_PORT") or str(cfg.port + 50)
	if not value.isdigit():
		raise HarnessError("config", f"HSQ_TEST_PORT must be a TCP port number, got {value!r}")
	return int(value)


def main(argv: list[str] | None = None) -> int:
	argv = sys.argv[1:] if argv is None else argv
	try:
		command, rest = parse_args(argv)
		if command == "help":
			print(__doc__)
			return 0
		is_root = os.geteuid() == 0
		cfg = config_from_env(dict(os.environ), is_root, str(Path.home()))
		runner = Runner(cfg)
		if command == "start":
			return cmd_start(cfg, runner, dev=rest == ["--dev"])
		if command == "stop":
			stop_processes(cfg, runner)
			log("stopped")
			return 0
		if command == "status":
			return cmd_status(cfg, runner)
		if command == "backup":
			return cmd_backup(cfg, runner, rest[0] if rest else None)
		if command == "restore":
			return cmd_restore(cfg, runner, rest[0], rest[1] if len(rest) > 1 else None)
		if command == "replica":
			return cmd_replica(cfg, runner, rest[0], rest[1] if len(rest) > 1 else None)
		if command == "backup-clock":
			return cmd_backup_clock(cfg, runner)
		return cmd_test(cfg, runner, rest)
	except HarnessError as e:
		print(f"hsq: {e.step}: {e.reason}", file=sys.stderr, flush=True)
		return 2
	except KeyboardInterrupt:
		print("hsq: interrupted", file=sys.stderr)
		return 130


if __name__ == "__main__":
	sys.exit(main())

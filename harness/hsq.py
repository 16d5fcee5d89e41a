#!/usr/bin/env python3
"""hsq harness: build or reuse a Frappe v15 bench for hsq_app, then serve a demo site or run the tests.

Two commands (see README):

    bin/hsq start            build/reuse the bench, site hsq.localhost with demo data, serve :8000
    bin/hsq test [ARGS...]   build/reuse the bench, recreate hsq-test.localhost, run pytest ARGS

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


def parse_args(argv: list[str]) -> tuple[str, list[str]]:
	"""Return (command, passthrough args). Everything after ``test`` goes to pytest untouched."""
	if not argv or argv[0] in {"-h", "--help", "help"}:
		return "help", []
	command, rest = argv[0], argv[1:]
	if command not in {"start", "test", "stop"}:
		raise HarnessError("arguments", f"unknown command {command!r} (use start, test or stop)")
	if command in {"start", "stop"} and rest:
		raise HarnessError("arguments", f"{command} takes no arguments, got {' '.join(rest)}")
	return command, rest


def common_site_config(cfg: Config) -> dict:
	"""Bench-wide settings written into sites/common_site_config.json."""
	return {
		"redis_cache": cfg.redis_url,
		"redis_queue": cfg.redis_url,
		"redis_socketio": cfg.redis_url,
		"webserver_port": cfg.port,
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


MARIADB_CNF = """# written by hsq harness: what Frappe requires of MariaDB
[mysqld]
character-set-client-handshake = FALSE
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci

[mysql]
default-character-set = utf8mb4
"""


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
	if missing:
		log(f"installing Debian packages: {' '.join(missing)}")
		runner.run("system", ["apt-get", "update", "-qq"], as_bench_user=False, quiet=True)
		runner.run(
			"system",
			["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
			as_bench_user=False,
			quiet=True,
		)
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
	if not port_open(cfg.db_host, cfg.db_port):
		if cfg.as_root and is_loopback(cfg.db_host) and cfg.db_port == 3306:
			log("starting MariaDB")
			_start_daemon(["/usr/sbin/mariadbd"], runner)
			_wait_port(cfg.db_host, cfg.db_port, 30)
		if not port_open(cfg.db_host, cfg.db_port):
			raise HarnessError("database", f"MariaDB at {cfg.db_host}:{cfg.db_port} is unreachable")
	if cfg.as_root and is_loopback(cfg.db_host):
		cnf = Path("/etc/mysql/mariadb.conf.d/99-hsq.cnf")
		if cnf.parent.exists() and (not cnf.exists() or cnf.read_text() != MARIADB_CNF):
			cnf.write_text(MARIADB_CNF)
	host, _, rport = cfg.redis_url.removeprefix("redis://").partition(":")
	rport = int(rport.split("/")[0] or 6379)
	if not port_open(host, rport):
		if cfg.as_root and is_loopback(host):
			log("starting Redis")
			runner.run(
				"redis",
				[
					"redis-server",
					"--daemonize",
					"yes",
					"--bind",
					"127.0.0.1",
					"--port",
					str(rport),
					"--save",
					"",
				],
				as_bench_user=False,
				quiet=True,
			)
			_wait_port(host, rport, 15)
		if not port_open(host, rport):
			raise HarnessError("redis", f"Redis at {host}:{rport} is unreachable")


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
	if current != f"{target.resolve()}:{pyproject_hash}":
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


def new_site(cfg: Config, runner: Runner, site: str) -> None:
	log(f"creating site {site}")
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
# serving
# --------------------------------------------------------------------------------------------------

PROCESSES = {
	"web": ["serve", "--port", "{port}", "--noreload"],
	"worker": ["worker"],
	"schedule": ["schedule"],
}


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


def stop_processes(cfg: Config) -> None:
	d = pid_dir(cfg)
	if not d.exists():
		return
	for pidfile in d.glob("hsq-*.pid"):
		try:
			pid = int(pidfile.read_text().strip())
		except ValueError:
			continue
		if _alive(pid):
			try:
				os.killpg(pid, 15)
			except OSError:
				pass
			for _ in range(50):
				if not _alive(pid):
					break
				time.sleep(0.1)
			if _alive(pid):
				try:
					os.killpg(pid, 9)
				except OSError:
					pass
		pidfile.unlink(missing_ok=True)


def start_processes(cfg: Config, runner: Runner) -> None:
	if port_open("127.0.0.1", cfg.port):
		raise HarnessError("serve", f"port {cfg.port} is in use by another program (set HSQ_PORT or free it)")
	d = pid_dir(cfg)
	runner.run("serve", ["mkdir", "-p", str(d), str(cfg.bench / "logs")])
	bench_bin = str(runner.tools_dir / "bin" / "bench")
	for name, args in PROCESSES.items():
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


def cmd_start(cfg: Config, runner: Runner) -> int:
	stop_processes(cfg)
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
			"hsq_app.setup.demo.make_demo",
			"--kwargs",
			json.dumps({"password": cfg.demo_password}),
		)
	else:
		migrate_if_changed(cfg, runner, cfg.site)
	runner.bench("serve", "use", cfg.site, quiet=True)
	start_processes(cfg, runner)
	url = f"http://127.0.0.1:{cfg.port}"
	if not wait_http(f"{url}/api/method/ping", 90):
		raise HarnessError(
			"serve", f"the desk did not answer on {url} within 90s; see {cfg.bench}/logs/hsq-web.log"
		)
	logins = runner.site_cmd(
		"demo", cfg.site, "execute", "hsq_app.setup.demo.print_login_table", quiet=True, check=False
	).stdout
	print(f"\nhsq_app is serving on {url}  (site {cfg.site})")
	print(f"Administrator / {cfg.admin_password}")
	if logins:
		print(logins.strip())
	print(f"Demo users' password: {cfg.demo_password}    stop with: bin/hsq stop")
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
	env_cmd = ["env", f"HSQ_TEST_SITE={site}", f"HSQ_SITES_PATH={cfg.bench / 'sites'}", *cmd]
	log(f"pytest on {site}")
	proc = runner.run("pytest", env_cmd, cwd=cfg.bench / "sites", check=False)
	return proc.returncode


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
			return cmd_start(cfg, runner)
		if command == "stop":
			stop_processes(cfg)
			log("stopped")
			return 0
		return cmd_test(cfg, runner, rest)
	except HarnessError as e:
		print(f"hsq: {e.step}: {e.reason}", file=sys.stderr, flush=True)
		return 2
	except KeyboardInterrupt:
		print("hsq: interrupted", file=sys.stderr)
		return 130


if __name__ == "__main__":
	sys.exit(main())

"""The harness's production shape, backups, MariaDB conf and replica: its pure helpers."""

import hsq
import pytest


def cfg(**env):
	return hsq.config_from_env({"HSQ_BENCH": "/srv/b", **env}, is_root=True, home="/root")


def test_new_commands_parse():
	assert hsq.parse_args(["start", "--dev"]) == ("start", ["--dev"])
	assert hsq.parse_args(["status"]) == ("status", [])
	assert hsq.parse_args(["backup"]) == ("backup", [])
	assert hsq.parse_args(["restore", "b.hsq.tar", "new.localhost"]) == (
		"restore",
		["b.hsq.tar", "new.localhost"],
	)
	assert hsq.parse_args(["replica", "start"]) == ("replica", ["start"])
	for bad in (["start", "--prod"], ["restore"], ["replica"], ["replica", "promote"], ["status", "x"]):
		with pytest.raises(hsq.HarnessError):
			hsq.parse_args(bad)


def test_internal_ports_follow_the_public_port():
	assert hsq.internal_ports(8000) == (18000, 19000)
	with pytest.raises(hsq.HarnessError):
		hsq.internal_ports(60000)
	assert hsq.common_site_config(cfg(HSQ_PORT="8100"))["socketio_port"] == 19100


def test_web_workers_sized_to_the_machine():
	assert hsq.web_workers(cpus=2, env={}) == 5  # bench's rule: 2 x cores + 1
	assert hsq.web_workers(cpus=2, env={"HSQ_WEB_WORKERS": "2"}) == 2
	with pytest.raises(hsq.HarnessError):
		hsq.web_workers(env={"HSQ_WEB_WORKERS": "0"})


def test_web_workers_run_threads_as_frappes_production_images_do():
	assert hsq.web_threads(env={}) == 4
	assert hsq.web_threads(env={"HSQ_WEB_THREADS": "1"}) == 1
	with pytest.raises(hsq.HarnessError):
		hsq.web_threads(env={"HSQ_WEB_THREADS": "many"})
	threaded = hsq.gunicorn_command(hsq.Path("/srv/b"), 18000, 2, 4)
	assert (
		" -w 2 --worker-class hsq_app.utils.gthread.ThreadWorker --threads 4 --worker-tmp-dir /dev/shm "
		in threaded
	)
	assert threaded.endswith("hsq_app.wsgi:application --preload")
	assert "gthread" not in hsq.gunicorn_command(hsq.Path("/srv/b"), 18000, 2, 1)
	conf = hsq.supervisor_conf(cfg(), {}, "hsq.localhost", 8000, 2, "/usr/bin/bench", "hsq", hsq.PROGRAMS)
	assert "--threads 4" in conf


def test_nginx_serves_assets_and_files_and_proxies_the_rest():
	conf = hsq.nginx_conf(cfg(), "hsq.localhost", 8000)
	assert "listen 8000;" in conf and "server 127.0.0.1:18000" in conf and "server 127.0.0.1:19000" in conf
	assert "location /assets" in conf and "try_files /hsq.localhost/public/$uri @webserver;" in conf
	assert "gzip on;" in conf and "client_max_body_size 50m;" in conf and "proxy_read_timeout 120s;" in conf
	assert "location /socket.io" in conf and "X-Frappe-Site-Name hsq.localhost" in conf
	assert "server_tokens off;" in conf and "error_page 502 503 504" in conf


def test_nginx_passes_the_port_the_browser_asked_for():
	"""Frappe builds absolute links (a PDF's stylesheets for wkhtmltopdf, e-mailed links) from the
	Host header: nginx's $host drops a port other than 80, and the links then point nowhere."""
	conf = hsq.nginx_conf(cfg(), "hsq.localhost", 8000)
	assert "proxy_set_header Host $http_host;" in conf and "Host $host;" not in conf
	# the client address is the connection's, whatever a client writes into X-Forwarded-For
	assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf


def test_the_production_shape_compiles_the_benchs_python_before_it_starts(tmp_path):
	(tmp_path / "env/lib/python3.11/site-packages").mkdir(parents=True)
	c = hsq.config_from_env({"HSQ_BENCH": str(tmp_path)}, is_root=True, home="/root")
	cmd = hsq.bytecode_command(c)
	assert cmd[:6] == [f"{tmp_path}/env/bin/python", "-m", "compileall", "-q", "-j", "0"]
	assert cmd[6:] == [
		f"{tmp_path}/env/lib/python3.11/site-packages",
		f"{tmp_path}/apps/frappe/frappe",
		f"{tmp_path}/apps/hsq_app/hsq_app",
	]
	calls = []

	class Runner:
		def run(self, step, cmd, **kw):
			calls.append((step, cmd, kw))
			raise SystemExit  # stop before anything else starts

	with pytest.raises(SystemExit):
		hsq.start_production(c, Runner(), "s.localhost", 8765)
	# the app's folder (here: missing, as when linked from a checkout the bench user cannot write)
	# is left out; the rest is compiled all the same
	assert calls[0][:2] == ("bytecode", cmd[:-1])
	assert hsq.bytecode_command(c, with_app=False) == cmd[:-1]


def test_supervisor_runs_every_program_and_restarts_it():
	conf = hsq.supervisor_conf(cfg(), {"PATH": "/usr/bin"}, "hsq.localhost", 8000, 2, "/x/bench")
	for name in hsq.PROGRAMS:
		assert f"[program:{name}]" in conf
	assert conf.count("autorestart=true") == len(hsq.PROGRAMS)
	assert "-w 2 " in conf and "hsq_app.wsgi:application" in conf
	for queue in ("default", "long"):  # Frappe's worker with the jobs' code loaded once
		assert f"-m hsq_app.utils.worker --queue {queue}\n" in conf
	# the short queue's jobs in the worker's own process (hsq_app/utils/worker.py)
	assert "-m hsq_app.utils.worker --queue short --no-fork\n" in conf
	assert "user=frappe" in conf  # supervisord drops to the bench user: nothing runs as root


def test_parse_supervisor_status():
	out = "nginx  RUNNING   pid 1, uptime 0:01:00\nweb    FATAL     Exited too quickly\nbad line\n"
	assert hsq.parse_supervisor_status(out) == {"nginx": "RUNNING", "web": "FATAL"}


def test_backup_bundle_names_and_retention():
	names = [hsq.bundle_name("a.localhost", f"2026010{d}-020000", encrypted=d % 2 == 0) for d in range(1, 6)]
	names += ["b.localhost-20260101-020000.hsq.tar", "a.localhost-notes.txt"]
	assert hsq.bundles_to_prune(names, "a.localhost", 2) == names[:3]
	assert hsq.bundles_to_prune(names, "b.localhost", 2) == []


def test_backup_files_are_recognised():
	files = [
		"20260101_020000-a_localhost-database.sql.gz",
		"20260101_020000-a_localhost-files.tgz",
		"20260101_020000-a_localhost-private-files.tgz",
		"20260101_020000-a_localhost-site_config_backup.json",
	]
	found = hsq.classify_backup_files(files)
	assert found == dict(
		zip(("database", "public_files", "private_files", "site_config"), files, strict=True)
	)


def test_restored_site_name():
	assert hsq.restored_site_name("hsq.localhost") == "hsq-restored.localhost"


def test_backup_key_file_must_exist(tmp_path):
	with pytest.raises(hsq.HarnessError):
		hsq.backup_key_file({"HSQ_BACKUP_KEY_FILE": str(tmp_path / "none")})
	key = tmp_path / "k"
	key.write_text("secret")
	assert hsq.backup_key_file({"HSQ_BACKUP_KEY_FILE": str(key)}) == key
	assert hsq.backup_key_file({}) is None


def test_next_backup_time_is_the_next_occurrence():
	import time

	now = time.mktime((2026, 11, 30, 3, 0, 0, 0, 0, -1))
	nxt = time.localtime(hsq.next_backup_time(now, "02:30"))
	assert (nxt.tm_mday, nxt.tm_hour, nxt.tm_min) == (1, 2, 30)
	nxt = time.localtime(hsq.next_backup_time(now, "23:00"))
	assert (nxt.tm_mday, nxt.tm_hour) == (30, 23)


def test_buffer_pool_formula():
	assert hsq.buffer_pool_mb(24105) == 9600
	assert hsq.buffer_pool_mb(8192) == 3200
	assert hsq.buffer_pool_mb(1024) == 384
	assert hsq.buffer_pool_mb(256) == 256


def test_mariadb_conf_has_what_the_app_needs():
	conf = hsq.mariadb_cnf(24105)
	for line in (
		"character-set-server = utf8mb4",
		"collation-server = utf8mb4_unicode_ci",
		"innodb_buffer_pool_size = 9600M",
		"slow_query_log = 1",
		"log_bin = mariadb-bin",
		"binlog_format = ROW",
		"server_id = 1",
	):
		assert line in conf


def test_mariadb_restart_needs_ci_or_an_explicit_flag():
	assert not hsq.db_restart_allowed({})
	assert hsq.db_restart_allowed({"HSQ_DB_RESTART": "1"})
	assert hsq.db_restart_allowed({"CI": "true"})
	assert not hsq.db_restart_allowed({"CI": "true", "HSQ_DB_RESTART": "0"})


def test_pending_db_settings():
	expected = hsq.expected_db_variables(24105)
	running = {
		"log_bin": "OFF",
		"slow_query_log": "ON",
		"innodb_buffer_pool_size": "134217728",
		"character_set_server": "utf8mb4",
	}
	assert hsq.db_conf_pending(expected, running) == ["log_bin", "innodb_buffer_pool_size"]
	assert hsq.db_conf_pending(expected, {**running, **expected}) == []


def test_replica_server_is_read_only_on_its_own_port_and_data():
	args = hsq.replica_server_args(cfg(), 3307, "_abc")
	assert "--port=3307" in args and "--read-only=1" in args and "--replicate-do-db=_abc" in args
	assert "--datadir=/srv/b/replica/data" in args and "--no-defaults" in args

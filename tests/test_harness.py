"""The harness's pure helpers: arguments, configuration, generated config."""

import hsq
import pytest


def test_parse_args():
	assert hsq.parse_args([]) == ("help", [])
	assert hsq.parse_args(["start"]) == ("start", [])
	assert hsq.parse_args(["test", "-k", "sla", "-x"]) == ("test", ["-k", "sla", "-x"])
	with pytest.raises(hsq.HarnessError):
		hsq.parse_args(["deploy"])
	with pytest.raises(hsq.HarnessError):
		hsq.parse_args(["start", "--now"])


def test_config_defaults_for_root_and_user():
	root = hsq.config_from_env({}, is_root=True, home="/root")
	assert str(root.bench) == "/home/frappe/hsq-bench" and root.bench_user == "frappe"
	assert root.frappe_repo == "https://github.com/frappe/frappe" and root.frappe_branch == "version-15"
	user = hsq.config_from_env({}, is_root=False, home="/home/ann")
	assert str(user.bench) == "/home/ann/hsq-bench" and user.bench_user is None
	assert (user.site, user.test_site, user.port) == ("hsq.localhost", "hsq-test.localhost", 8000)


def test_config_from_variables():
	cfg = hsq.config_from_env(
		{"HSQ_BENCH": "/tmp/b", "FRAPPE_BRANCH": "v15-x", "HSQ_PORT": "8010", "HSQ_REUSE_TEST_SITE": "1"},
		is_root=False,
		home="/h",
	)
	assert (str(cfg.bench), cfg.frappe_branch, cfg.port, cfg.reuse_test_site) == (
		"/tmp/b",
		"v15-x",
		8010,
		True,
	)


@pytest.mark.parametrize("var", ["HSQ_PORT", "HSQ_DB_PORT"])
def test_bad_port_is_one_line_error(var):
	with pytest.raises(hsq.HarnessError) as e:
		hsq.config_from_env({var: "80a"}, is_root=False, home="/h")
	assert "\n" not in str(e.value) and var in str(e.value)


def test_common_site_config_uses_one_redis():
	cfg = hsq.config_from_env({"HSQ_REDIS_URL": "redis://127.0.0.1:6380"}, is_root=False, home="/h")
	conf = hsq.common_site_config(cfg)
	assert conf["redis_cache"] == conf["redis_queue"] == conf["redis_socketio"] == "redis://127.0.0.1:6380"


def test_merge_json_config_keeps_other_keys():
	merged, changed = hsq.merge_json_config({"a": 1, "b": 2}, {"b": 3})
	assert merged == {"a": 1, "b": 3} and changed
	assert hsq.merge_json_config({"a": 1}, {"a": 1}) == ({"a": 1}, False)


def test_db_admin_sql_quotes_password():
	sql = hsq.db_admin_sql("adm", "p'w")
	assert "IDENTIFIED BY 'p\\'w'" in sql and "WITH GRANT OPTION" in sql
	assert "utf8mb4_unicode_ci" in sql


def test_main_reports_bad_command_in_one_line(capsys):
	assert hsq.main(["deploy"]) == 2
	err = capsys.readouterr().err.strip()
	assert err.startswith("hsq: arguments:") and "\n" not in err


def test_unreachable_database_fails_fast(monkeypatch, capsys):
	monkeypatch.setenv("HSQ_DB_PORT", "1")
	monkeypatch.setenv("HSQ_DB_HOST", "127.0.0.1")
	cfg = hsq.config_from_env({"HSQ_DB_PORT": "1"}, is_root=False, home="/tmp")
	with pytest.raises(hsq.HarnessError) as e:
		hsq.step_services(cfg, runner=None)
	assert e.value.step == "database" and "unreachable" in e.value.reason


def test_test_paths_are_resolved_against_the_checkout(tmp_path):
	app = tmp_path / "apps" / "hsq_app"
	assert (
		hsq.resolve_test_path("tests/test_harness.py::test_parse_args", app)
		== str(app / "tests/test_harness.py") + "::test_parse_args"
	)
	assert hsq.resolve_test_path("-k", app) == "-k"
	assert hsq.resolve_test_path("sla", app) == "sla"


def test_progress_bars_collapse_to_their_last_state():
	assert hsq.collapse_progress("Updating : [=  ] 1%\rUpdating : [== ] 50%\rUpdating : [===] 100%") == (
		"Updating : [===] 100%"
	)
	assert hsq.collapse_progress("plain line") == "plain line"


def test_the_redis_the_harness_starts_keeps_its_queue_on_disk():
	cmd = hsq.redis_command(6379)
	opts = dict(zip(cmd[1::2], cmd[2::2], strict=False))
	assert opts["--appendonly"] == "yes" and opts["--appendfsync"] == "everysec"
	assert opts["--dir"] == hsq.REDIS_DIR and opts["--bind"] == "127.0.0.1"

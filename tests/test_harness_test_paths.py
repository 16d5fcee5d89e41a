"""The test command runs the whole suite when its arguments are pytest options only."""

from pathlib import Path

import hsq


def test_options_only_run_the_whole_suite():
	app = Path("/bench/apps/hsq_app")
	assert hsq.with_default_test_path([], app) == ["/bench/apps/hsq_app/tests"]
	assert hsq.with_default_test_path(["-q", "-x"], app) == ["-q", "-x", "/bench/apps/hsq_app/tests"]
	assert hsq.with_default_test_path(["-k", "audit"], app) == ["-k", "audit", "/bench/apps/hsq_app/tests"]


def test_named_paths_are_kept_alone():
	app = Path("/bench/apps/hsq_app")
	named = ["-q", "/bench/apps/hsq_app/tests/test_complaint_audit.py::test_sample_size"]
	assert hsq.with_default_test_path(named, app) == named
	assert hsq.with_default_test_path(["tests/browser"], app) == ["tests/browser"]

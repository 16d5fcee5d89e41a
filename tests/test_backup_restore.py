"""`bin/hsq backup` and `bin/hsq restore`: a round trip into a new site keeps every record and file.

The harness runs as the bureau's admin would run it (a separate process on the same bench); the
data it backs up is committed first, and the restored site is dropped afterwards.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import frappe
import pytest
from factories import as_user, make_complaint, make_world, set_settings, uid
from frappe.model.workflow import apply_workflow
from ops import bench_path, connect, drop_site, run_harness

from hsq_app.complaints.access import log_personal_data_view
from hsq_app.complaints.api import apply_action

RESOLUTION = {"finding": "Upheld", "resolution": "已批评教育当事护士", "reply_to_complainant": "已致歉并整改"}


def act(user, name, action, values=None):
	as_user(user)
	try:
		if values:
			return apply_action(name, action, values)
		return apply_workflow(frappe.get_doc("HSQ Complaint", name).as_dict(), action)
	finally:
		as_user("Administrator")


def _rows(sql_runner, table: str, where: str, params) -> list[tuple]:
	return [tuple(r) for r in sql_runner(f"SELECT * FROM `{table}` WHERE {where} ORDER BY name", params)]


@pytest.fixture
def world_with_history():
	"""Committed: complaints walked through the workflow, viewed, with rectification evidence."""
	w = make_world()
	as_user(w.a.officer)
	names = [make_complaint(w.a.institution, description=f"候诊时间过长 {i}").name for i in range(3)]
	as_user("Administrator")
	act(w.a.officer, names[0], "Dispatch", {"department": w.a.dept1})
	act(w.a.handler1, names[0], "Accept")
	act(w.a.handler1, names[0], "Start")
	act(w.a.handler1, names[0], "Submit for Approval", RESOLUTION)
	act(w.a.head1, names[0], "Approve")
	act(w.a.officer, names[1], "Dispatch", {"department": w.a.dept1})
	as_user(w.a.officer)
	log_personal_data_view(frappe.get_doc("HSQ Complaint", names[0]))  # an Access Log row
	as_user("Administrator")
	task = frappe.get_doc(
		{
			"doctype": "HSQ Rectification Task",
			"source_type": "Inspection",
			"source_name": "备份恢复演练",
			"institution": w.a.institution,
			"responsible_department": w.a.dept1,
			"responsible_leader": w.a.head1,
			"category": "Service Attitude",
			"problem": "门诊候诊时间过长",
			"root_cause": "高峰时段人手不足",
			"deadline": frappe.utils.add_days(frappe.utils.today(), 30),
			"measures": [
				{
					"measure": "高峰时段增派护士",
					"measure_owner": w.a.head1,
					"due_date": frappe.utils.add_days(frappe.utils.today(), 10),
				}
			],
		}
	).insert()
	files = []
	for private, content in ((1, "签到表 evidence ".encode() * 50), (0, b"public notice")):
		files.append(
			frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"{uid('evidence-')}.txt",
					"attached_to_doctype": "HSQ Rectification Task",
					"attached_to_name": task.name,
					"is_private": private,
					"content": content,
				}
			)
			.insert()
			.name
		)
	set_settings(public_complaint_rate_limit=7)
	frappe.db.commit()
	return frappe._dict(complaints=names, task=task.name, files=files)


def _snapshot(sql, data) -> dict:
	c = tuple(data.complaints)
	snap = {
		"complaints": _rows(sql, "tabHSQ Complaint", "name IN %s", (c,)),
		"versions": _rows(sql, "tabVersion", "ref_doctype='HSQ Complaint' AND docname IN %s", (c,)),
		"comments": _rows(
			sql, "tabComment", "reference_doctype='HSQ Complaint' AND reference_name IN %s", (c,)
		),
		"access_log": _rows(sql, "tabAccess Log", "reference_document IN %s", (c,)),
		"todos": _rows(sql, "tabToDo", "reference_type='HSQ Complaint' AND reference_name IN %s", (c,)),
		"task": _rows(sql, "tabHSQ Rectification Task", "name=%s", (data.task,)),
		"files": _rows(sql, "tabFile", "name IN %s", (tuple(data.files),)),
		"settings": [
			tuple(r)
			for r in sql(
				"SELECT field, value FROM tabSingles WHERE doctype='HSQ Settings' ORDER BY field", ()
			)
		],
	}
	return snap


def test_backup_and_restore_round_trip(world_with_history, tmp_path):
	data = world_with_history
	site = frappe.local.site
	key = tmp_path / "backup.key"
	key.write_text("the bureau keeps this key off the machine\n")
	key.chmod(0o644)
	tmp_path.chmod(0o755)
	backups = tmp_path / "backups"
	env = {"HSQ_BACKUP_DIR": str(backups), "HSQ_BACKUP_KEY_FILE": str(key), "HSQ_BACKUP_KEEP": "2"}

	made = run_harness("backup", site, **env)
	assert made.returncode == 0, made.stdout + made.stderr
	bundles = sorted(backups.glob(f"{site}-*.hsq.tar.enc"))
	assert len(bundles) == 1
	assert bundles[0].read_bytes()[:8] == b"Salted__"  # encrypted: no plain SQL in the bundle
	assert b"INSERT INTO" not in bundles[0].read_bytes()

	source = _snapshot(lambda q, p: frappe.db.sql(q, p), data)
	assert source["access_log"] and source["todos"] and len(source["files"]) == 2
	assert source["versions"] or source["comments"]  # the workflow history

	# without the key, or with the wrong one, nothing is restored
	target = f"rt{uid()}.localhost"
	no_key = run_harness("restore", str(bundles[0]), target, HSQ_BACKUP_DIR=str(backups))
	assert no_key.returncode == 2 and "HSQ_BACKUP_KEY_FILE" in no_key.stderr
	wrong = tmp_path / "wrong.key"
	wrong.write_text("not the key\n")
	bad = run_harness("restore", str(bundles[0]), target, HSQ_BACKUP_KEY_FILE=str(wrong))
	assert bad.returncode == 2 and "cannot decrypt" in bad.stderr
	assert not (bench_path() / "sites" / target).exists()

	try:
		restored = run_harness("restore", str(bundles[0]), target, **env)
		assert restored.returncode == 0, restored.stdout + restored.stderr
		conf = json.loads((bench_path() / "sites" / target / "site_config.json").read_text())
		assert conf["db_name"] != frappe.conf.db_name
		assert conf.get("encryption_key") == frappe.get_site_config().get(
			"encryption_key"
		)  # stored passwords still decrypt
		conn = connect(
			conf["db_name"],
			conf["db_name"],
			conf["db_password"],
			frappe.conf.db_host or "127.0.0.1",
			frappe.conf.db_port or 3306,
		)
		try:

			def sql(q, p):
				with conn.cursor() as cur:
					cur.execute(q, p)
					return cur.fetchall()

			copy = _snapshot(sql, data)
		finally:
			conn.close()
		for part in source:
			assert copy[part] == source[part], part
		# the attachments' bytes, public and private
		for name in data.files:
			url = frappe.db.get_value("File", name, "file_url")
			rel = url.lstrip("/") if url.startswith("/private/") else "public" + url
			original = Path(frappe.local.sites_path).resolve() / site / rel
			copied = bench_path() / "sites" / target / rel
			assert (
				hashlib.sha256(copied.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest()
			)

		# a restore goes into a new site only
		again = run_harness("restore", str(bundles[0]), target, **env)
		assert again.returncode == 2 and "a restore goes into a new site" in again.stderr
	finally:
		drop_site(target)

	# retention: two more backups with HSQ_BACKUP_KEEP=2 keep the newest two
	for _ in range(2):
		import time

		time.sleep(1.1)  # bundles are named by the second
		assert run_harness("backup", site, **env).returncode == 0
	assert len(list(backups.glob(f"{site}-*.hsq.tar.enc"))) == 2

"""Admins shape forms in the desk, without code, and their changes survive a migrate.

A migrate is, for the app, its ``after_migrate`` hook (the default master data) and the re-import
of its DocType, report, print format and workspace files (``sync_for(force=True)``). Both run here
in process. Custom fields change the table (DDL commits in MariaDB), so these tests commit what
they make and remove it afterwards.
"""

import frappe
import pytest
from factories import as_user, make_complaint

from hsq_app.install import defaults as install

FIELD = "hsq_admin_ward"


def migrate():
	from frappe.model.sync import sync_for

	install.after_migrate()
	sync_for("hsq_app", force=True)
	frappe.clear_cache()
	frappe.db.commit()  # sync_for commits file by file; settle before asserting


def _drop_field():
	for name in frappe.get_all(
		"Custom Field", filters={"dt": "HSQ Complaint", "fieldname": FIELD}, pluck="name"
	):
		frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	if frappe.db.has_column("HSQ Complaint", FIELD):
		frappe.db.sql_ddl(f"alter table `tabHSQ Complaint` drop column `{FIELD}`")


@pytest.fixture
def committed_admin_work(shared_world):
	"""What the tests make is committed (DDL forces it): listed here and removed afterwards."""
	made = []
	yield made
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for doctype, name in reversed(made):
		if doctype == "HSQ Complaint":
			for dt, field in (
				("ToDo", "reference_name"),
				("Comment", "reference_name"),
				("Access Log", "reference_document"),
				("Version", "docname"),
			):
				frappe.db.delete(dt, {field: name})
		frappe.db.delete(doctype, {"name": name})
	frappe.db.delete(
		"Property Setter", {"doc_type": "HSQ Complaint", "field_name": "demands", "property": "label"}
	)
	if any(doctype == "HSQ Complaint" for doctype, _name in made):
		# deleted behind the app: the report cells that counted them are recounted (a later test's
		# monthly summary read one stale complaint of today from them)
		from factories import _recount_complaint_cells

		_recount_complaint_cells()
	_drop_field()
	frappe.clear_cache(doctype="HSQ Complaint")
	frappe.db.commit()  # undo what the test committed


def test_custom_field_and_customized_label_survive_migrate(shared_world, committed_admin_work):
	from frappe.custom.doctype.custom_field.custom_field import create_custom_field

	w = shared_world
	# 1. the admin adds a field and relabels another (Customize Form, as in the desk)
	create_custom_field(
		"HSQ Complaint",
		{"fieldname": FIELD, "label": "Ward", "fieldtype": "Data", "insert_after": "patient_name"},
		is_system_generated=False,
	)
	customize = frappe.get_doc("Customize Form")
	customize.doc_type = "HSQ Complaint"
	customize.fetch_to_customize()
	next(f for f in customize.fields if f.fieldname == "demands").label = "Complainant Demands (admin)"
	customize.save_customization()
	frappe.db.commit()
	frappe.clear_cache(doctype="HSQ Complaint")

	# 2. users fill it in with no code change
	as_user(w.a.officer)
	doc = make_complaint(w.a.institution, **{FIELD: "三病区"})
	frappe.set_user("Administrator")
	committed_admin_work.append(("HSQ Complaint", doc.name))
	frappe.db.commit()
	field_before = frappe.db.get_value(
		"Custom Field",
		{"dt": "HSQ Complaint", "fieldname": FIELD},
		["label", "insert_after", "modified"],
		as_dict=True,
	)

	# 3. migrate
	migrate()

	field_after = frappe.db.get_value(
		"Custom Field",
		{"dt": "HSQ Complaint", "fieldname": FIELD},
		["label", "insert_after", "modified"],
		as_dict=True,
	)
	assert field_after == field_before
	meta = frappe.get_meta("HSQ Complaint")
	assert meta.get_field(FIELD).label == "Ward"
	assert meta.get_field("demands").label == "Complainant Demands (admin)"
	assert frappe.db.get_value("HSQ Complaint", doc.name, FIELD) == "三病区"
	fields = [f.fieldname for f in meta.fields]
	assert fields.index(FIELD) == fields.index("patient_name") + 1


def test_category_and_sla_policy_made_in_the_desk_survive_migrate(shared_world, committed_admin_work):
	w = shared_world
	as_user(w.bureau_admin)
	category = frappe.get_doc(
		{"doctype": "HSQ Complaint Category", "category_name": "Parking Test", "description": "停车难"}
	).insert()
	committed_admin_work.append(("HSQ Complaint Category", category.name))
	fees = frappe.get_doc("HSQ Complaint Category", "Fees")
	old_fees = fees.description
	fees.description = "医疗收费（含医保报销）"
	fees.save()
	policy = frappe.get_doc(
		{
			"doctype": "HSQ SLA Policy",
			"policy_name": "Admin Test Policy",
			"enabled": 1,
			"priority": 97,
			"channel": "12345 Hotline",
			"category": category.name,
			"acknowledge_hours": 2,
			"resolve_days": 5,
			"warn_at_percent": 80,
			"escalations": [{"level": 1, "after_hours_overdue": 4, "notify": "Department Head"}],
		}
	).insert()
	committed_admin_work.append(("HSQ SLA Policy", policy.name))
	frappe.set_user("Administrator")
	frappe.db.commit()
	snapshot = {
		d.name: (d.modified, d.as_dict(no_default_fields=True))
		for d in (
			frappe.get_doc("HSQ SLA Policy", policy.name),
			frappe.get_doc("HSQ Complaint Category", category.name),
		)
	}
	try:
		migrate()
		for doc in (
			frappe.get_doc("HSQ SLA Policy", policy.name),
			frappe.get_doc("HSQ Complaint Category", category.name),
		):
			assert (doc.modified, doc.as_dict(no_default_fields=True)) == snapshot[doc.name]
		assert (
			frappe.db.get_value("HSQ Complaint Category", "Fees", "description") == "医疗收费（含医保报销）"
		)
		# and the quality officer uses the new category at once
		as_user(w.a.officer)
		doc = make_complaint(w.a.institution, category=category.name)
		frappe.set_user("Administrator")
		committed_admin_work.append(("HSQ Complaint", doc.name))
		assert doc.category == "Parking Test"
	finally:
		frappe.db.rollback()
		frappe.db.set_value("HSQ Complaint Category", "Fees", "description", old_fees)
		frappe.db.commit()


def _defaults_snapshot() -> dict:
	"""(doctype, name) -> modified of every record of the app's DocTypes that install defaults write."""
	out = {}
	for doctype in frappe.get_all(
		"DocType",
		filters={"module": ("in", ("HSQ Setup", "Complaints", "Follow Up", "Rectification")), "istable": 0},
		pluck="name",
	):
		if frappe.get_meta(doctype).issingle:
			out[(doctype, doctype)] = frappe.db.get_value(doctype, None, "modified")
			continue
		for row in frappe.get_all(doctype, fields=["name", "modified"], limit=0):
			out[(doctype, row.name)] = row.modified
	for doctype in ("Role", "Workflow State", "Workflow Action Master"):
		for row in frappe.get_all(doctype, fields=["name", "modified"], limit=0):
			out[(doctype, row.name)] = row.modified
	return out


def test_install_defaults_never_overwrite_what_exists():
	"""Every migrate runs the defaults again: they add what is missing and touch nothing else."""
	install.ensure_defaults()
	before = _defaults_snapshot()
	install.ensure_defaults()
	after = _defaults_snapshot()
	changed = {k for k in before if before[k] != after.get(k)}
	assert not changed, f"install defaults rewrote {sorted(changed)}"
	assert set(after) == set(before)


def test_admin_edits_to_default_records_are_kept(shared_world):
	w = shared_world
	as_user(w.bureau_admin)
	other = frappe.get_doc("HSQ Complaint Category", "Other")
	other.description = "其他（管理员修改）"
	other.disabled = 1
	other.save()
	frappe.set_user("Administrator")
	install.after_migrate()
	assert frappe.db.get_value("HSQ Complaint Category", "Other", ["description", "disabled"]) == (
		"其他（管理员修改）",
		1,
	)


def test_questionnaire_dimension_and_accountability_rule_made_in_the_desk_survive_migrate(shared_world):
	"""A dimension added to the default questionnaire and a new accountability rule outlive a migrate.

	sync_for commits, so what the test adds is removed (and committed) afterwards."""
	from frappe.model.sync import sync_for

	dimension = "Meal Service " + frappe.generate_hash(length=4)
	template = frappe.get_all("HSQ Questionnaire Template", pluck="name", limit=1)[0]
	doc = frappe.get_doc("HSQ Questionnaire Template", template)
	table = doc.meta.get_table_fields()[0].fieldname
	doc.append(table, {"dimension": dimension})
	doc.save()
	rule = frappe.get_doc(
		{
			"doctype": "HSQ Accountability Rule",
			"subject_type": "Institution",
			"category": "Fees",
			"threshold": 99,
			"action": "约谈收费处负责人",
		}
	).insert()
	try:
		install.after_migrate()
		sync_for("hsq_app", force=True)
		doc.reload()
		assert dimension in [row.dimension for row in doc.get(table)]
		assert frappe.db.get_value("HSQ Accountability Rule", rule.name, "action") == "约谈收费处负责人"
	finally:
		frappe.db.rollback()
		doc.reload()
		doc.set(table, [row for row in doc.get(table) if row.dimension != dimension])
		doc.save()
		frappe.db.delete("HSQ Accountability Rule", {"name": rule.name})
		frappe.db.commit()  # undo what the migrate committed


def test_rectification_task_prints_with_its_measures(shared_world):
	task = frappe.get_all("HSQ Rectification Task", pluck="name", limit=1)
	if not task:
		from hsq_app.rectification.tasks import TASK

		task = [
			frappe.get_doc(
				{
					"doctype": TASK,
					"source_type": "Inspection",
					"institution": shared_world.a.institution,
					"problem": "候诊区秩序混乱",
					"deadline": frappe.utils.add_days(frappe.utils.today(), 30),
				}
			)
			.insert()
			.name
		]
	html = frappe.get_print("HSQ Rectification Task", task[0], print_format="Rectification Task Sign-off")
	assert task[0] in html

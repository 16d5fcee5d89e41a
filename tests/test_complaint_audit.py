"""Inspector audit: read-only inspectors, a complaint's history on one page, monthly audit samples."""

import frappe
import pytest
from complaint_steps import RESOLUTION, act, in_state, registered, state
from factories import as_user, make_complaint
from frappe.model.workflow import WorkflowTransitionError, apply_workflow, get_transitions

from hsq_app.complaints import audit
from hsq_app.complaints import workflow as wf
from hsq_app.complaints.api import apply_action
from hsq_app.complaints.audit import get_history
from hsq_app.complaints.routing import transfer
from hsq_app.utils.sampling import sample_size

# ------------------------------------------------------------------ read-only inspector


@pytest.mark.parametrize("target", [wf.REGISTERED, wf.PENDING_APPROVAL, wf.RESOLVED])
def test_inspector_reads_but_never_changes_a_complaint(shared_world, target):
	w = shared_world
	name = in_state(w, target)
	as_user(w.inspector)
	doc = frappe.get_doc("HSQ Complaint", name)
	assert frappe.has_permission("HSQ Complaint", "read", doc)
	assert doc.has_permlevel_access_to("complainant_phone", permission_type="read")
	for ptype in ("write", "delete", "create", "submit", "cancel", "amend"):
		assert not frappe.has_permission("HSQ Complaint", ptype, doc), ptype
	assert get_transitions(doc) == []
	with pytest.raises((WorkflowTransitionError, frappe.PermissionError)):
		apply_workflow(doc.as_dict(), next(a for s, a, *_r in wf.TRANSITIONS if s == target))
	with pytest.raises(frappe.PermissionError):
		apply_action(name, "Approve", {})
	doc.demands = "督查员改写"
	with pytest.raises(frappe.PermissionError):
		doc.save()
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc("HSQ Complaint", name)
	with pytest.raises(frappe.PermissionError):
		make_complaint(w.a.institution)
	frappe.set_user("Administrator")
	assert state(name) == target
	assert frappe.db.get_value("HSQ Complaint", name, "demands") != "督查员改写"


def test_inspector_can_list_every_institution(shared_world):
	w = shared_world
	mine, theirs = registered(w), None
	as_user(w.b.officer)
	theirs = make_complaint(w.b.institution).name
	as_user(w.inspector)
	names = set(frappe.get_list("HSQ Complaint", pluck="name", limit=0))
	assert {mine, theirs} <= names


# ------------------------------------------------------------------ the history page


def _walked_with_everything(w):
	"""A complaint of hospital b transferred to a, worked to Closed, escalated, viewed, edited."""
	as_user(w.b.officer)
	doc = make_complaint(w.b.institution, demands="要求道歉")
	as_user(w.bureau_admin)
	transfer(doc.name, w.a.institution, "属地管理")
	frappe.set_user("Administrator")
	name = doc.name
	for user, action, values in (
		(w.a.officer, "Dispatch", {"department": w.a.dept1}),
		(w.a.handler1, "Accept", {}),
		(w.a.handler1, "Start", {}),
		(w.a.handler1, "Submit for Approval", RESOLUTION),
		(w.a.head1, "Reject", {}),
		(w.a.handler1, "Submit for Approval", {}),
		(w.a.head1, "Approve", {}),
		(w.a.officer, "Close", {"complainant_feedback": "Satisfied"}),
	):
		act(user, name, action, **values)
	frappe.get_doc(
		{
			"doctype": "HSQ Escalation Log",
			"complaint": name,
			"level": 1,
			"escalated_at": frappe.utils.now_datetime(),
			"institution": w.a.institution,
			"notified": w.a.head1,
		}
	).insert(ignore_permissions=True)
	from frappe.desk.form.load import getdoc

	as_user(w.a.leader)
	getdoc("HSQ Complaint", name)  # a view of personal data
	frappe.set_user("Administrator")
	return name


def test_history_shows_every_trace_in_order(shared_world):
	w = shared_world
	name = _walked_with_everything(w)
	# a field edit with its Version (Frappe writes none under tests unless asked)
	edited = frappe.get_doc("HSQ Complaint", name)
	frappe.db.set_value("HSQ Complaint", name, "workflow_state", wf.RESOLVED)  # reopen the lock to edit
	edited.reload()
	edited.demands = "要求道歉并退费"
	edited.save(ignore_version=False)
	frappe.db.set_value("HSQ Complaint", name, "workflow_state", wf.CLOSED)

	as_user(w.inspector)
	h = get_history(name)
	frappe.set_user("Administrator")

	actions = [t["action"] for t in h["transitions"]]
	zh = lambda s: frappe._(s)  # noqa: E731 (the test site speaks Chinese)
	assert actions == [
		zh(a)
		for a in (
			"Registration",
			"Dispatch",
			"Accept",
			"Start",
			"Submit for Approval",
			"Reject",
			"Submit for Approval",
			"Approve",
			"Close",
		)
	]
	assert h["transitions"][5]["by"] == w.a.head1 and h["transitions"][5]["to_state"] == zh("In Progress")
	assert h["transitions"][0]["by"] == w.b.officer
	assert len(h["workflow_comments"]) == 8
	assert any(c["type"] == "Info" and w.a.institution in c["content"] for c in h["comments"])
	assert h["transfers"][0]["from_institution"] == w.b.institution
	assert h["escalations"][0]["level"] == 1
	assert {a["allocated_to"] for a in h["assignments"]} >= {w.a.head1, w.a.handler1, w.a.officer}
	assert any(a["user"] == w.a.leader for a in h["access_log"])
	change = next(c for v in h["versions"] for c in v["changes"] if c["field"] == "demands")
	assert change["old"] == "要求道歉" and change["new"] == "要求道歉并退费"
	assert h["complaint"]["name"] == name and "complainant_phone" not in h["complaint"]
	# the inspector's own look at the trail is a logged view of personal data too
	assert frappe.db.exists(
		"Access Log", {"reference_document": name, "user": w.inspector, "method": "Audit Trail"}
	)


def test_history_is_for_the_bureau_and_the_institutions_leaders_and_officers(shared_world):
	w = shared_world
	name = in_state(w, wf.DISPATCHED)
	for user in (w.inspector, w.bureau_admin, w.a.leader, w.a.officer):
		as_user(user)
		assert get_history(name)["complaint"]["name"] == name, user
	for user in (w.a.head1, w.a.handler1, w.a.agent, w.a.admin, w.b.officer, w.b.leader):
		as_user(user)
		with pytest.raises(frappe.PermissionError):
			get_history(name)
	frappe.set_user("Administrator")
	with pytest.raises(frappe.DoesNotExistError):
		get_history("TS-0000-NOPE")


def test_history_makes_no_change(shared_world):
	w = shared_world
	name = in_state(w, wf.ACCEPTED)
	before = frappe.db.get_value("HSQ Complaint", name, "modified")
	as_user(w.inspector)
	get_history(name)
	frappe.set_user("Administrator")
	assert frappe.db.get_value("HSQ Complaint", name, "modified") == before


def test_audit_page_and_form_button_are_installed():
	page = frappe.get_doc("Page", "complaint-audit")
	assert page.module == "Complaints"
	assert {r.role for r in page.roles} >= {"HSQ Bureau Inspector", "HSQ Bureau Admin"}
	assert "HSQ Handler" not in {r.role for r in page.roles}
	assert "public/js/complaint_audit_button.js" in frappe.get_hooks("doctype_js")["HSQ Complaint"]
	from frappe.desk.form.meta import get_meta

	js = get_meta("HSQ Complaint").get("__js") or ""
	assert "complaint-audit" in js and "Audit Trail" in js


def test_audit_page_script_has_no_edit_controls():
	"""The page only reads: no primary action, no set_value/save/delete calls, no write endpoints."""
	from pathlib import Path

	js = (
		Path(frappe.get_app_path("hsq_app", "complaints", "page", "complaint_audit")) / "complaint_audit.js"
	).read_text()
	for forbidden in (
		"set_primary_action",
		"frappe.client.save",
		"frappe.client.set_value",
		"delete",
		"savedocs",
	):
		assert forbidden not in js, forbidden
	assert js.count("xcall(") == 1 and "hsq_app.complaints.audit.get_history" in js


# ------------------------------------------------------------------ monthly audit samples

MONTH = "2026-03-01"


def _closed(w, n, month=MONTH, institution_key="a"):
	"""n complaints of a hospital, Closed in `month` (state and dates set directly: the sample only reads)."""
	names = []
	inst = w[institution_key]
	as_user(inst.officer)
	for _i in range(n):
		doc = make_complaint(inst.institution, department=inst.dept1)
		names.append(doc.name)
	frappe.set_user("Administrator")
	for i, name in enumerate(names):
		frappe.db.set_value(
			"HSQ Complaint",
			name,
			{
				"workflow_state": wf.CLOSED,
				"closed_at": f"{month[:7]}-{(i % 27) + 1:02d} 10:00:00",
				"finding": "Upheld",
				"complainant_feedback": "Satisfied",
			},
		)
	return names


def _new_audit(user, institution, month=MONTH, **kw):
	as_user(user)
	try:
		return frappe.get_doc(
			{"doctype": "HSQ Complaint Audit", "institution": institution, "month": month, **kw}
		).insert()
	finally:
		frappe.set_user("Administrator")


def test_sample_is_drawn_on_insert_and_reproducible(shared_world):
	w = shared_world
	closed = _closed(w, 10)
	_closed(w, 2, month="2026-04-01")  # other months are not in the population
	open_one = registered(w)  # nor are open complaints
	doc = _new_audit(w.inspector, w.a.institution, month="2026-03-17", sample_rate=20)
	assert str(doc.month) == MONTH
	assert doc.population == 10 and len(doc.items) == 2 and doc.seed
	assert doc.inspector == w.inspector and doc.status == "In Review"
	sampled = [r.complaint for r in doc.items]
	assert set(sampled) <= set(closed) and open_one not in sampled
	# the stored seed reproduces the draw
	assert audit.draw_sample(audit.closed_in_month(w.a.institution, MONTH), doc.seed, 2) == sampled
	assert audit.draw_sample(closed, doc.seed, 2) == sampled
	row = doc.items[0]
	assert row.finding == "Upheld" and row.complainant_feedback == "Satisfied" and row.closed_at


def test_a_given_seed_gives_the_same_sample_every_time(shared_world):
	w = shared_world
	closed = _closed(w, 12)
	first = _new_audit(w.inspector, w.a.institution, seed="县局2026-03", sample_size=4)
	again = audit.draw_sample(list(reversed(closed)), "县局2026-03", 4)
	assert [r.complaint for r in first.items] == again
	assert audit.draw_sample(closed, "另一个种子", 4) != again or len(closed) <= 4


@pytest.mark.parametrize(
	"population,rate,size,expected",
	[(0, 10, None, 0), (5, 10, None, 1), (10, 10, None, 1), (11, 10, None, 2), (10, 50, 3, 3), (2, 10, 5, 2)],
)
def test_sample_size(population, rate, size, expected):
	assert sample_size(population, rate, size) == expected


def test_one_sample_per_institution_and_month_and_nothing_to_audit_is_an_error(shared_world):
	w = shared_world
	_closed(w, 3)
	_new_audit(w.inspector, w.a.institution)
	with pytest.raises(frappe.DuplicateEntryError):
		_new_audit(w.bureau_admin, w.a.institution)
	with pytest.raises(frappe.ValidationError, match="nothing to audit"):
		_new_audit(w.inspector, w.b.institution, month="2026-02-01")
	with pytest.raises(frappe.ValidationError):
		_new_audit(w.inspector, w.a.institution, month=str(frappe.utils.add_months(frappe.utils.today(), 2)))
	with pytest.raises(frappe.MandatoryError):
		_new_audit(w.inspector, None)


def test_only_bureau_inspectors_and_admins_create_audits(shared_world):
	w = shared_world
	_closed(w, 3)
	for user in (w.a.officer, w.a.leader, w.a.admin, w.a.head1, w.b.officer):
		with pytest.raises(frappe.PermissionError):
			_new_audit(user, w.a.institution)
	assert _new_audit(w.bureau_admin, w.a.institution).name


def test_inspector_records_verdicts(shared_world):
	w = shared_world
	_closed(w, 4)
	doc = _new_audit(w.inspector, w.a.institution, sample_size=2)
	as_user(w.inspector)
	doc.items[0].verdict = "Non-compliant"
	with pytest.raises(frappe.ValidationError, match="note"):
		doc.save()
	doc.reload()
	doc.items[0].verdict = "Non-compliant"
	doc.items[0].note = "答复未说明处理依据"
	doc.save()
	assert doc.status == "In Review" and doc.non_compliant_count == 1
	assert doc.items[0].checked_by == w.inspector and doc.items[0].checked_at
	doc.items[1].verdict = "Compliant"
	doc.conclusion = "总体规范"
	doc.save()
	assert doc.status == "Completed" and doc.compliant_count == 1
	# the drawn rows cannot be changed
	doc.append("items", {"complaint": registered(w)})
	as_user(w.inspector)
	with pytest.raises(frappe.ValidationError, match="cannot be changed"):
		doc.save()
	doc.reload()
	doc.items = doc.items[:1]
	with pytest.raises(frappe.ValidationError, match="cannot be changed"):
		doc.save()
	with pytest.raises((frappe.PermissionError, frappe.ValidationError)):
		frappe.delete_doc("HSQ Complaint Audit", doc.name)
	frappe.set_user("Administrator")
	with pytest.raises(frappe.ValidationError):
		frappe.delete_doc("HSQ Complaint Audit", doc.name)


def test_institutions_read_their_own_audits_only_and_cannot_record_verdicts(shared_world):
	w = shared_world
	_closed(w, 3)
	doc = _new_audit(w.inspector, w.a.institution)
	for user in (w.a.officer, w.a.leader):
		as_user(user)
		assert frappe.has_permission("HSQ Complaint Audit", "read", doc.name)
		assert not frappe.has_permission("HSQ Complaint Audit", "write", doc.name)
		mine = frappe.get_doc("HSQ Complaint Audit", doc.name)
		mine.items[0].verdict = "Compliant"
		with pytest.raises(frappe.PermissionError):
			mine.save()
	for user in (w.b.officer, w.b.leader, w.a.handler1, w.a.head1):
		as_user(user)
		assert not frappe.has_permission("HSQ Complaint Audit", "read", doc.name)
		try:
			listed = frappe.get_list("HSQ Complaint Audit", pluck="name")
		except frappe.PermissionError:
			listed = []
		assert doc.name not in listed

"""Write integrity (issue 11): fields only the system writes, fields each role owns per state,
severity and approval, handlers within the 属地 chain, the institution tree, plain text from
guests, escaped prints, real client addresses for rate limits, transparency suppression and the
intake API's edge cases. Each test is one of the issue's numbered findings."""

import frappe
import pytest
from complaint_steps import RESOLUTION, act, in_state, registered, state
from factories import as_user, make_institution, make_staff_user, uid
from frappe.model.workflow import WorkflowTransitionError
from rest import api_token, request

from hsq_app import roles as R
from hsq_app.complaints import workflow as wf
from hsq_app.complaints.field_policy import FieldNotEditableError, SeverityChangeError, SystemFieldError
from hsq_app.complaints.routing import HandlerError


def set_as(user, name, **values):
	"""frappe.client.set_value as ``user`` (the REST door's code path)."""
	from frappe.client import set_value

	as_user(user)
	try:
		return set_value("HSQ Complaint", name, values)
	finally:
		as_user("Administrator")


# ------------------------------------------------------------------ 5. system fields


SYSTEM_WRITES = {
	"reopen_count": 7,
	"submitted_by": "Administrator",
	"registered_by": "Administrator",
	"tracking_code": "FORGED0001",
	"acknowledged_at": "2020-01-01 08:00:00",
	"resolved_at": "2020-01-02 08:00:00",
	"sla_status": "Met",
	"escalation_level": 3,
	"resolve_by": "2099-01-01 08:00:00",
}


@pytest.mark.parametrize("field", SYSTEM_WRITES, ids=list(SYSTEM_WRITES))
def test_handler_cannot_write_system_fields(shared_world, field):
	w = shared_world
	name = in_state(w, wf.IN_PROGRESS)
	before = frappe.db.get_value("HSQ Complaint", name, field)
	with pytest.raises(SystemFieldError):
		set_as(w.a.handler1, name, **{field: SYSTEM_WRITES[field]})
	assert frappe.db.get_value("HSQ Complaint", name, field) == before


def test_transfer_history_cannot_be_forged(shared_world):
	w = shared_world
	name = in_state(w, wf.IN_PROGRESS)
	as_user(w.a.handler1)
	doc = frappe.get_doc("HSQ Complaint", name)
	doc.append(
		"transfers",
		{"from_institution": w.b.institution, "to_institution": w.a.institution, "reason": "伪造"},
	)
	with pytest.raises(SystemFieldError):
		doc.save()
	as_user("Administrator")
	assert not frappe.get_all("HSQ Complaint Transfer", filters={"parent": name})


def test_system_fields_sent_with_a_new_complaint_are_not_taken(shared_world):
	w = shared_world
	name = registered(w, tracking_code="MYCODE0001", resolved_at="2020-01-01 08:00:00", reopen_count=3)
	doc = frappe.get_doc("HSQ Complaint", name)
	assert doc.tracking_code != "MYCODE0001" and len(doc.tracking_code) == 10
	assert not doc.resolved_at and not doc.reopen_count and doc.registered_by == w.a.officer


def test_resolved_reply_cannot_be_rewritten_and_officer_cannot_edit_the_finding(shared_world):
	w = shared_world
	name = in_state(w, wf.RESOLVED)
	with pytest.raises(FieldNotEditableError):
		set_as(w.a.handler1, name, reply_to_complainant="改过的答复")
	with pytest.raises(FieldNotEditableError):
		set_as(w.a.officer, name, finding="Not Upheld")
	assert (
		frappe.db.get_value("HSQ Complaint", name, "reply_to_complainant")
		== RESOLUTION["reply_to_complainant"]
	)
	# what the role owns in the state is still editable
	set_as(w.a.officer, name, complainant_feedback="Satisfied")
	assert frappe.db.get_value("HSQ Complaint", name, "complainant_feedback") == "Satisfied"


def test_pending_approval_content_is_frozen_for_the_handler(shared_world):
	w = shared_world
	name = in_state(w, wf.PENDING_APPROVAL)
	with pytest.raises(FieldNotEditableError):
		set_as(w.a.handler1, name, resolution="悄悄改了处理意见")


# ------------------------------------------------------------------ 6. severity and approval


def test_head_cannot_downgrade_severity_and_approve_it_themselves(shared_world):
	w = shared_world
	name = in_state(w, wf.PENDING_APPROVAL, severity="High")
	with pytest.raises((FieldNotEditableError, SeverityChangeError)):
		set_as(w.a.head1, name, severity="Low", severity_change_reason="其实不严重")
	assert frappe.db.get_value("HSQ Complaint", name, "severity") == "High"


def test_approval_follows_the_highest_severity_ever(shared_world):
	w = shared_world
	name = in_state(w, wf.PENDING_APPROVAL, severity="High")
	with pytest.raises(SeverityChangeError):
		set_as(w.a.officer, name, severity="Low")  # no reason
	set_as(w.a.officer, name, severity="Low", severity_change_reason="经核实为一般投诉")
	assert frappe.db.get_value("HSQ Complaint", name, ["severity", "highest_severity"]) == ("Low", "High")
	history = frappe.get_all(
		"Comment", filters={"reference_name": name, "comment_type": "Info"}, pluck="content"
	)
	assert any("经核实为一般投诉" in c for c in history)
	with pytest.raises(WorkflowTransitionError):
		act(w.a.head1, name, "Approve")
	act(w.a.leader, name, "Approve")
	assert state(name) == wf.RESOLVED


def test_severity_change_needs_the_officer_or_leader(shared_world):
	w = shared_world
	name = in_state(w, wf.IN_PROGRESS)
	with pytest.raises((FieldNotEditableError, SeverityChangeError)):
		set_as(w.a.handler1, name, severity="Low", severity_change_reason="理由")


# ------------------------------------------------------------------ 7. handlers of the chain


def test_handler_from_another_institution_is_refused_and_nothing_is_shared(shared_world):
	w = shared_world
	name = registered(w)
	with pytest.raises(HandlerError):
		set_as(w.a.officer, name, handler=w.b.handler1)
	with pytest.raises(HandlerError):
		act(w.a.officer, name, "Dispatch", department=w.a.dept1, handler=w.b.handler1)
	assert not frappe.db.exists("ToDo", {"reference_name": name, "allocated_to": w.b.handler1})
	assert not frappe.db.exists("DocShare", {"share_name": name, "user": w.b.handler1})
	# a handler of the same institution but another department neither
	with pytest.raises(HandlerError):
		act(w.a.officer, name, "Dispatch", department=w.a.dept1, handler=w.a.handler2)
	act(w.a.officer, name, "Dispatch", department=w.a.dept1, handler=w.a.handler1)
	assert state(name) == wf.DISPATCHED


def test_inactive_staff_cannot_be_made_handler(shared_world):
	w = shared_world
	leaver = make_staff_user(w.a.institution, R.HANDLER, department=w.a.dept1)
	frappe.db.set_value("HSQ Staff", {"user": leaver}, "status", "Inactive")
	name = registered(w)
	with pytest.raises(HandlerError):
		act(w.a.officer, name, "Dispatch", department=w.a.dept1, handler=leaver)


# ------------------------------------------------------------------ 8. the institution tree


@pytest.mark.parametrize(
	"change", [{"institution_type": "Bureau"}, {"parent_hsq_institution": "B"}, {"disabled": 1}]
)
def test_institution_admin_cannot_reshape_the_tree(shared_world, change):
	from hsq_app.hsq_setup.doctype.hsq_institution.hsq_institution import StructureChangeError

	w = shared_world
	if "parent_hsq_institution" in change:
		change = {"parent_hsq_institution": w.a.institution}
		target = w.b.institution
		user = w.b.admin
	else:
		target, user = w.a.institution, w.a.admin
	as_user(user)
	doc = frappe.get_doc("HSQ Institution", target)
	doc.update(change)
	with pytest.raises(StructureChangeError):
		doc.save()
	as_user("Administrator")


def test_institution_admin_still_edits_details_and_bureau_admin_reshapes(shared_world):
	w = shared_world
	as_user(w.a.admin)
	doc = frappe.get_doc("HSQ Institution", w.a.institution)
	doc.principal_head = w.a.leader
	doc.save()
	as_user(w.bureau_admin)
	doc = frappe.get_doc("HSQ Institution", w.b.institution)
	doc.institution_type = "Community Health Center"
	doc.save()
	as_user("Administrator")
	assert frappe.db.get_value("HSQ Institution", w.a.institution, "principal_head") == w.a.leader


# ------------------------------------------------------------------ 9. plain text and escaped prints

XSS = "<img src=x onerror=alert(5) end-unclosed"


def test_public_form_stores_plain_text_even_for_unclosed_tags(shared_world):
	from hsq_app.api.public import submit_complaint

	w = shared_world
	as_user("Guest")
	out = submit_complaint(
		institution=w.a.institution,
		category="Other",
		description=f"挂号处 &lt;script&gt;alert(1)&lt;/script&gt; {XSS}",
		complainant_phone="13911112222",
	)
	as_user("Administrator")
	desc = frappe.db.get_value("HSQ Complaint", out["name"], "description")
	assert "<" not in desc and ">" not in desc and "挂号处" in desc
	for fmt in ("Standard", "Complaint Handling Record"):
		html = frappe.get_print("HSQ Complaint", out["name"], fmt)
		assert "<img src=x" not in html and "<script>alert" not in html, fmt


def test_prints_escape_what_staff_typed(shared_world):
	w = shared_world
	name = registered(w)
	frappe.db.set_value("HSQ Complaint", name, "demands", "<b onmouseover=alert(1)>退费</b>")  # legacy row
	html = frappe.get_print("HSQ Complaint", name, "Complaint Handling Record")
	assert "<b onmouseover" not in html and "&lt;b onmouseover" in html


def test_rectification_sign_off_prints_and_escapes(shared_world):
	from test_rectification import make_task

	w = shared_world
	task = make_task(w, problem="<script>alert(9)</script>问题", root_cause="<i>原因</i>")
	frappe.db.set_value("HSQ Rectification Task", task, "problem", "<script>alert(9)</script>问题")
	html = frappe.get_print("HSQ Rectification Task", task, print_format="Rectification Task Sign-off")
	assert "<script>alert(9)" not in html and "&lt;script&gt;alert(9)" in html
	assert frappe.utils.get_fullname(w.a.head1) in html  # the responsible leader's name (get_fullname)


def test_control_characters_are_dropped_from_text(shared_world):
	w = shared_world
	name = registered(w, description="护士\x00态度\x07差")
	assert frappe.db.get_value("HSQ Complaint", name, "description") == "护士态度差"


# ------------------------------------------------------------------ 10. real client address


def test_client_address_believes_forwarded_for_only_from_trusted_proxies():
	import ipaddress

	from hsq_app.utils.client import resolve

	nets = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8")]
	assert resolve("203.0.113.7", "1.2.3.4", nets) == "203.0.113.7"  # not from a proxy: ignored
	assert resolve("127.0.0.1", "1.2.3.4", nets) == "1.2.3.4"
	# a client that sends its own header through the proxy: the proxy appended the real address
	assert resolve("127.0.0.1", "6.6.6.6, 198.51.100.2", nets) == "198.51.100.2"
	assert resolve("127.0.0.1", "198.51.100.2, 10.1.2.3", nets) == "198.51.100.2"
	assert resolve(None, None, nets) == "127.0.0.1"


def test_rotating_forwarded_for_does_not_escape_the_rate_limit():
	frappe.cache.delete_keys("rl:")
	url = "/api/method/hsq_app.api.public.complaint_status?tracking_code=NOSUCHCODE"
	statuses = [
		request("GET", url, ip=f"198.51.100.{i}", environ_base={"REMOTE_ADDR": "203.0.113.50"}).status_code
		for i in range(32)
	]
	frappe.cache.delete_keys("rl:")
	assert statuses[0] == 404 and statuses[-1] == 429, statuses


def test_one_phone_number_files_a_limited_number_a_day(shared_world):
	from hsq_app.api.public import PhoneLimitError, submit_complaint

	w = shared_world
	frappe.db.set_single_value("HSQ Settings", "public_complaint_phone_limit", 2)
	as_user("Guest")
	try:
		for _i in range(2):
			submit_complaint(
				institution=w.a.institution, description="排队太久", complainant_phone="13955556666"
			)
		with pytest.raises(PhoneLimitError):
			submit_complaint(
				institution=w.a.institution, description="排队太久", complainant_phone="13955556666"
			)
		# another number is not affected
		submit_complaint(institution=w.a.institution, description="排队太久", complainant_phone="13955557777")
	finally:
		as_user("Administrator")


def test_bad_trusted_proxy_is_refused():
	settings = frappe.get_doc("HSQ Settings")
	settings.trusted_proxies = "127.0.0.1\nnot-an-address"
	with pytest.raises(frappe.ValidationError):
		settings.save()


# ------------------------------------------------------------------ 11. transparency suppression


def test_a_lone_small_count_is_protected_by_a_complementary_cell(shared_world):
	from test_service_quality import closed, complaint

	from hsq_app.complaints import transparency

	w = shared_world
	small = make_institution(uid("小型卫生院"), type="Township Health Center", grade="Primary")
	now = frappe.utils.now_datetime()
	complaint(small, now, **closed("Dissatisfied", "Breached", day=str(now.date())))
	complaint(small, now)
	for _i in range(5):
		complaint(w.a.institution, now, **closed("Satisfied", "Met", day=str(now.date())))
	f = transparency.compute(now)
	rows = f["institutions"]
	for measure in transparency.COUNTS:  # received and closed
		hidden = [r for r in rows if isinstance(r[measure], str)]
		assert len(hidden) != 1, (measure, rows)  # a lone hidden cell = total - the others
		exact = sum(r[measure] for r in rows if not isinstance(r[measure], str))
		if hidden:
			assert exact != f["total"][measure] or len(hidden) >= 2
	by_name = {r["institution"]: r for r in rows}
	assert by_name[small]["received"] == "<3"
	# the complement carries no rate either (its base would give the count away)
	hidden_a = by_name[w.a.institution]
	if hidden_a["closed"] == "*":
		assert hidden_a["satisfaction"] is None


# ------------------------------------------------------------------ 13. the intake API


def intake_payload(w, **kw):
	return {
		"channel": "12345 Hotline",
		"external_ref": uid("GD"),
		"received_at": str(frappe.utils.add_to_date(frappe.utils.now_datetime(), hours=-2)),
		"complainant_name": "王五",
		"complainant_phone": "13700000000",
		"institution": w.a.institution,
		"category": "Waiting Time",
		"description": "挂号排队两小时",
		**kw,
	}


def intake(user, **payload):
	from hsq_app.api.intake import create_complaint

	as_user(user)
	try:
		return create_complaint(**payload)
	finally:
		as_user("Administrator")


@pytest.fixture
def intake_user():
	from factories import make_user

	return make_user(R.INTAKE_INTEGRATION)


@pytest.mark.parametrize(
	"change",
	["other_staff", "bureau", "future", "far_past", "nul", "control"],
)
def test_intake_refuses_what_cannot_be_true(shared_world, intake_user, change):
	from hsq_app.api.intake import IntakeError

	w = shared_world
	other_staff = frappe.db.get_value("HSQ Staff", {"user": w.b.handler1})
	payload = intake_payload(w)
	payload.update(
		{
			"other_staff": {"staff_involved": [other_staff]},
			"bureau": {"institution": w.bureau},
			"future": {"received_at": "2099-01-01 08:00:00"},
			"far_past": {"received_at": "2001-01-01 08:00:00"},
			"nul": {"description": "挂号\x00排队"},
			"control": {"complainant_name": "王\x1b[31m五"},
		}[change]
	)
	before = frappe.db.count("HSQ Complaint")
	with pytest.raises(IntakeError) as e:
		intake(intake_user, **payload)
	assert e.value.http_status_code == 417
	assert frappe.db.count("HSQ Complaint") == before


def test_intake_padded_reference_finds_the_same_complaint(shared_world, intake_user):
	payload = intake_payload(shared_world)
	first = intake(intake_user, **payload)
	again = intake(intake_user, **{**payload, "external_ref": f"  {payload['external_ref']} "})
	assert again == {"name": first["name"], "created": False}


def test_intake_same_reference_different_content_is_a_recorded_conflict(shared_world, intake_user):
	payload = intake_payload(shared_world)
	first = intake(intake_user, **payload)
	frappe.local.response = frappe._dict()
	again = intake(intake_user, **{**payload, "description": "挂号排队三小时，还被骂"})
	assert again["name"] == first["name"] and again["created"] is False and again["conflict"] is True
	assert frappe.local.response.get("http_status_code") == 409
	assert frappe.db.get_value("HSQ Complaint", first["name"], "description") == "挂号排队两小时"
	notes = frappe.get_all("Comment", filters={"reference_name": first["name"]}, pluck="content")
	assert any("挂号排队三小时" in n for n in notes)


@pytest.fixture
def intake_token(shared_world):
	from factories import make_user

	user = make_user(R.INTAKE_INTEGRATION)
	frappe.db.commit()
	token = api_token(user)
	yield token
	frappe.db.rollback()
	frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	frappe.db.commit()


def test_intake_malformed_json_is_417_over_http(intake_token):
	url = "/api/method/hsq_app.api.intake.create_complaint"
	resp = request(
		"POST",
		url,
		token=intake_token,
		data='{"channel": "12345 Hotline", broken',
		content_type="application/json",
	)
	assert resp.status_code == 417, resp.get_data(as_text=True)[:300]
	assert "not valid JSON" in resp.get_data(as_text=True)


def test_intake_conflict_is_409_over_http(shared_world, intake_token):
	url = "/api/method/hsq_app.api.intake.create_complaint"
	payload = intake_payload(shared_world)
	frappe.db.commit()
	first = request("POST", url, token=intake_token, json_body=payload)
	try:
		assert first.status_code == 200, first.body
		conflict = request(
			"POST", url, token=intake_token, json_body={**payload, "description": "不一样的内容"}
		)
		assert (
			conflict.status_code == 409 and conflict.body["message"]["name"] == first.body["message"]["name"]
		)
	finally:
		name = first.body and first.body.get("message", {}).get("name")
		if name:
			for dt, field in (("ToDo", "reference_name"), ("Comment", "reference_name")):
				frappe.db.delete(dt, {field: name})
			frappe.db.delete("HSQ Complaint", {"name": name})
			from factories import _recount_complaint_cells

			_recount_complaint_cells()  # deleted behind the app
			frappe.db.commit()


# ------------------------------------------------------------------ 12. state changes are POST only

# whitelisted methods of the app that only read: everything else must refuse GET
READ_ONLY = {
	"hsq_app.api.public.complaint_status",
	"hsq_app.complaints.api.action_fields",
	"hsq_app.api.follow_up.template_dimensions",
	"hsq_app.api.follow_up.download_import_template",
	"hsq_app.rectification.api.tasks_for",
	"hsq_app.survey.indicators.workspace_indicators",  # figures of this month, within the viewer's reach
	"hsq_app.survey.poster.download",  # a PDF of a department's or institution's QR poster
	"hsq_app.complaints.repeats.related",
	"hsq_app.complaints.repeats.long_unresolved",
}
READ_ONLY_PREFIXES = ("get_", "search", "list_", "coverage", "time_left", "preview")


def _app_methods():
	import importlib
	import pkgutil

	import hsq_app

	for mod in pkgutil.walk_packages(hsq_app.__path__, "hsq_app."):
		if ".test_" in mod.name or mod.name.endswith(".wsgi"):
			continue
		try:
			importlib.import_module(mod.name)
		except Exception:
			continue
	return [fn for fn in frappe.whitelisted if fn.__module__.startswith("hsq_app.")]


def test_every_state_changing_method_of_the_app_is_post_only():
	offenders = []
	for fn in _app_methods():
		path = f"{fn.__module__}.{fn.__name__}"
		methods = frappe.allowed_http_methods_for_whitelisted_func.get(fn, [])
		if set(methods) == {"POST"} or path in READ_ONLY or fn.__name__.startswith(READ_ONLY_PREFIXES):
			continue
		offenders.append(path)
	assert not offenders, (
		f"methods that change state must be POST only (or be listed as read-only): {offenders}"
	)


def test_anonymous_complaints_keep_no_patient_name_either(shared_world):
	w = shared_world
	name = registered(w, is_anonymous=1, patient_name="李四", complainant_phone="13900000000")
	assert frappe.db.get_value("HSQ Complaint", name, ["patient_name", "complainant_phone"]) == (None, None)

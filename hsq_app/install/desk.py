"""The desk as each role sees it: a landing workspace per role, and Frappe's own workspaces
kept for system managers (a quality officer has no use for "Website" or "Build")."""

import frappe

from hsq_app import roles as R

# first matching role wins: a user's landing workspace
ROLE_WORKSPACES = (
	(R.BUREAU_ADMIN, "Bureau Desk"),
	(R.BUREAU_INSPECTOR, "Inspection Desk"),
	(R.INSTITUTION_LEADER, "Leader Desk"),
	(R.QUALITY_OFFICER, "Complaints"),
	(R.DEPARTMENT_HEAD, "Department Desk"),
	(R.HANDLER, "Handler Desk"),
	(R.FOLLOW_UP_AGENT, "回访工作台"),
	(R.INSTITUTION_ADMIN, "Complaints"),
)
FRAPPE_WORKSPACES = ("Users", "Website", "Tools", "Integrations", "Build", "Welcome Workspace")
# the system's name on the login page and in the browser's title (System Settings' app name)
APP_TITLE = "医疗服务质量管理"


def landing_workspace(roles: list[str]) -> str | None:
	for role, workspace in ROLE_WORKSPACES:
		if role in roles:
			return workspace
	return None


def set_default_workspace(user: str) -> None:
	"""Land the user on their role's workspace, unless they chose another one themselves."""
	ours = {ws for _r, ws in ROLE_WORKSPACES}
	current = frappe.db.get_value("User", user, "default_workspace")
	wanted = landing_workspace(frappe.get_roles(user))
	if (
		wanted
		and current != wanted
		and (not current or current in ours)
		and frappe.db.exists("Workspace", wanted)
	):
		frappe.db.set_value("User", user, "default_workspace", wanted, update_modified=False)


def ensure_desk():
	"""Frappe's general workspaces are for system managers (re-applied after every migrate)."""
	for name in FRAPPE_WORKSPACES:
		if not frappe.db.exists("Workspace", name):
			continue
		roles = frappe.get_all("Has Role", filters={"parent": name, "parenttype": "Workspace"}, pluck="role")
		if not roles:
			ws = frappe.get_doc("Workspace", name)
			ws.append("roles", {"role": "System Manager"})
			ws.flags.ignore_permissions = True
			ws.flags.ignore_links = True
			ws.save()
	widen_trend_charts()
	# the login page and the browser's title name the system in Chinese, not "Frappe"
	if frappe.db.get_single_value("System Settings", "app_name") in (None, "", "Frappe"):
		frappe.db.set_single_value("System Settings", "app_name", APP_TITLE)


# a trend over twelve months needs the page's width to label every month (issue 13)
TREND_CHARTS = ("Complaints per Month", "Follow Up Satisfaction Trend")


def widen_trend_charts():
	for name in frappe.get_all("Workspace", pluck="name"):
		content = frappe.db.get_value("Workspace", name, "content")
		if not content or not any(chart in content for chart in TREND_CHARTS):
			continue
		blocks = frappe.parse_json(content)
		changed = False
		for block in blocks:
			data = block.get("data") or {}
			if (
				block.get("type") == "chart"
				and data.get("chart_name") in TREND_CHARTS
				and data.get("col") != 12
			):
				data["col"] = 12
				changed = True
		if changed:
			frappe.db.set_value(
				"Workspace", name, "content", frappe.as_json(blocks, indent=None), update_modified=False
			)


# Select fields whose options the desk's report filters offer (public/js/report_filters.js)
FILTER_OPTIONS = {"HSQ Complaint": ("channel", "severity", "finding", "sla_status")}


def extend_bootinfo(bootinfo) -> None:
	"""Send the options of FILTER_OPTIONS as the DocTypes define them, so no report repeats them."""
	from hsq_app.complaints import workflow as wf

	bootinfo.hsq_options = {
		doctype: {f: (frappe.get_meta(doctype).get_field(f).options or "").split("\n") for f in fields}
		for doctype, fields in FILTER_OPTIONS.items()
	}
	bootinfo.hsq_options["HSQ Complaint"]["workflow_state"] = list(wf.STATES)
	complaint_form_boot(bootinfo)


def complaint_form_boot(bootinfo) -> None:
	"""The complaint form's defaults and field policy (issue 13): the user's own post (医疗机构
	defaults to it) and, per state, the fields the user's roles may edit
	(hsq_app.complaints.field_policy, the server's rule; the form only follows it)."""
	from hsq_app.complaints import field_policy

	user = frappe.session.user
	post = frappe.db.get_value(
		"HSQ Staff", {"user": user, "status": "Active"}, ["institution", "department"], as_dict=True
	)
	bootinfo.hsq_post = post or {}
	roles = frappe.get_roles(user)
	bootinfo.hsq_editable = {
		state: sorted(field_policy.editable_fields(state, roles)) for state in field_policy.EDITABLE
	}
	bootinfo.hsq_policy_exempt = user == "Administrator"

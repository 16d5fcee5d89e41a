app_name = "hsq_app"
app_title = "医疗服务质量"
app_publisher = "hsq_app developers"
app_description = "Health service quality for a county health bureau: complaints, follow-ups, rectification"
app_email = "dev@hsq.example"
app_license = "mit"
required_apps = []

export_python_type_annotations = True

# Installation
# ------------
after_install = "hsq_app.install.defaults.after_install"
after_migrate = "hsq_app.install.defaults.after_migrate"

# Default master data of each domain, created idempotently on install and on every migrate.
# (Custom hook: hsq_app.install.defaults.ensure_defaults calls each in order.)
hsq_install_defaults = [
	"hsq_app.complaints.workflow.ensure_workflow",
	"hsq_app.install.desk.ensure_desk",
	"hsq_app.rectification.setup.install_defaults",
	"hsq_app.follow_up.setup.ensure_defaults",
	"hsq_app.complaints.sla.defaults.install_defaults",
	# inspections and recognition (issue 17): the county plan's checklist
	"hsq_app.inspection.checklist.install_defaults",
	"hsq_app.survey.setup.ensure_defaults",
	# issue 16: the 12345 and 信访 platforms, complainant SMS templates
	"hsq_app.complaints.platform.orders.ensure_defaults",
	"hsq_app.complaints.complainant_sms.ensure_templates",
]

# Demo records of each domain for the start command's site (hsq_app.install.demo.make_demo).
hsq_demo_data = [
	"hsq_app.complaints.demo.make_demo_complaints",
	"hsq_app.rectification.demo.make_demo",
	"hsq_app.follow_up.setup.make_demo",
	"hsq_app.inspection.demo.make_demo",  # issue 17
]

# Permissions: isolation is carried by User Permissions kept in step with HSQ Staff
# (hsq_app.permissions); these two close the gap for users with no active post.
permission_query_conditions = {
	"*": "hsq_app.permissions.query_conditions",
	# institutions see their submitted inspections, not the inspector's drafts (issue 17)
	"HSQ Inspection": "hsq_app.inspection.visits.query_conditions",
	# department-level users see their department's compliments (issue 17)
	"HSQ Compliment": "hsq_app.recognition.compliments.query_conditions",
}
has_permission = {
	"*": "hsq_app.permissions.has_permission",
	"HSQ Inspection": "hsq_app.inspection.visits.has_permission",
	"HSQ Compliment": "hsq_app.recognition.compliments.has_permission",
}

# security: isolation (issue 11): Frappe doors that would query without the caller's permissions
# answer through get_list (hsq_app.api.overrides); the query engine itself is guarded from
# hsq_app/__init__.py (hsq_app.security)
override_whitelisted_methods = {
	"frappe.client.get_count": "hsq_app.api.overrides.get_count",
	"frappe.desk.search.search_widget": "hsq_app.api.overrides.search_widget",
	"frappe.desk.search.search_link": "hsq_app.api.overrides.search_link",
	"frappe.desk.listview.get_group_by_count": "hsq_app.api.overrides.get_group_by_count",
	"frappe.desk.search.get_link_title": "hsq_app.api.overrides.get_link_title",
	"frappe.core.api.file.unzip_file": "hsq_app.api.overrides.unzip_file",
}
# security: isolation (issue 11): what a request showed of personal data goes to the Access Log
after_request = ["hsq_app.security.access_log.after_request"]

# the real client address (X-Forwarded-For only from trusted proxies), then, for guests (public
# pages), the site's language rather than Frappe 15's English fallback; a stopped read replica
# falls back to the primary (hsq_app.utils.replica, issue 14)
before_request = [
	"hsq_app.utils.client.set_request_ip",
	"hsq_app.utils.language.set_guest_language",
	"hsq_app.utils.replica.install",
]


# the complaint handling record print format reads its signatures from the workflow history
jinja = {
	"methods": [
		"hsq_app.complaints.printing.handling_steps",
		# model departments on /service-quality (issue 17)
		"hsq_app.recognition.ranking.published_model_departments",
	]
}

doc_events = {
	"User": {"on_update": "hsq_app.permissions.on_user_roles_changed"},
	"HSQ Complaint": {
		"on_update": [
			"hsq_app.rectification.accountability.on_complaint_update",
			# issue 16: platform orders, repeats, messages to the complainant
			"hsq_app.complaints.events.on_update",
		],
		"before_insert": "hsq_app.complaints.events.before_insert",
		"before_validate": "hsq_app.complaints.events.before_validate",
		"after_insert": "hsq_app.complaints.events.after_insert",
		# issue 14: the per-day complaint cells (insert, save, workflow action, db_set)
		"on_change": "hsq_app.complaints.stats.on_change",
	},
	# a closed task may close the inspection that proposed it (issue 17)
	"HSQ Rectification Task": {"on_update": "hsq_app.inspection.visits.on_task_update"},
	"File": {
		"before_insert": [
			"hsq_app.rectification.evidence.before_file_change",
			"hsq_app.complaints.attachments.before_insert",  # issue 16
		],
		"after_insert": "hsq_app.complaints.attachments.after_insert",
		"on_trash": [
			"hsq_app.rectification.evidence.before_file_change",
			"hsq_app.complaints.attachments.on_trash",
		],
	},
	# survey codes from the moment a department or institution exists (QR posters, staff links)
	# (the guest door caches what a code opens: forgotten when a department or institution changes)
	"HSQ Department": {
		"before_insert": "hsq_app.survey.codes.assign_department_code",
		"on_change": "hsq_app.survey.codes.forget",
		"on_trash": "hsq_app.survey.codes.forget",
		"after_rename": "hsq_app.survey.codes.forget",
	},
	"HSQ Institution": {
		"before_insert": "hsq_app.survey.codes.assign_institution_codes",
		"on_change": "hsq_app.survey.codes.forget",
		"on_trash": "hsq_app.survey.codes.forget",
		"after_rename": "hsq_app.survey.codes.forget",
	},
	# messages held while no gateway was configured go out once the admin configures one
	"SMS Settings": {"on_update": "hsq_app.messaging.sms.release_held"},
}

# the light survey page (hsq_app/www/survey) answers /survey/<code>
website_route_rules = [{"from_route": "/survey/<code>", "to_route": "survey"}]

# SLA indicators and Pause / Resume / Extension buttons on complaint forms and lists
# the Select options report filters offer (hsq_app.install.desk.FILTER_OPTIONS)
extend_bootinfo = "hsq_app.install.desk.extend_bootinfo"

app_include_js = [
	"/assets/hsq_app/js/sla_indicator.js",
	"/assets/hsq_app/js/drill.js",
	"/assets/hsq_app/js/report_filters.js",
	"/assets/hsq_app/js/desk_ux.js",  # issue 13: cards open what they count; ToDos open their record
	"/assets/hsq_app/js/charts.js",  # issue 13: charts label every group, show months and rates, open records
]

# the complaint form's extra panels: its rectification tasks, and the "Audit Trail" button
doctype_js = {
	"HSQ Department": ["public/js/survey_code.js"],
	"HSQ Institution": ["public/js/survey_code.js"],
	"HSQ Survey Callback": ["public/js/survey_callback.js"],
	"HSQ Complaint": [
		"public/js/hsq_complaint_rectification.js",
		"public/js/complaint_audit_button.js",
		"public/js/complaint_platform.js",  # issue 16
		"public/js/complaint_form_ux.js",  # issue 13: defaults, phone check, field policy, print
	],
}

# 我的待办: open ToDos by deadline, each opening its record (issue 13)
doctype_list_js = {
	"ToDo": "public/js/todo_list.js",
	"HSQ Accountability Rule": "public/js/accountability_rule_list.js",
	"HSQ Complaint Category": "public/js/translated_names_list.js",
	"HSQ SMS Template": "public/js/translated_names_list.js",
}

scheduler_events = {
	"daily": [
		"hsq_app.rectification.overdue.flag_overdue_tasks",
		"hsq_app.rectification.clusters.detect_clusters",
		"hsq_app.rectification.accountability.recompute_current_year",
		"hsq_app.follow_up.scheduling.mark_overdue",
		"hsq_app.follow_up.monthly_report.flag_late_reports",
		"hsq_app.follow_up.stats.rebuild_recent",
		"hsq_app.complaints.stats.rebuild_recent",
		# surveys: expired SMS links, the per-day cells' safety net, themes, the daily digest
		"hsq_app.survey.invitations.expire_old",
		"hsq_app.survey.stats.rebuild_recent",
		"hsq_app.survey.themes.daily",
		"hsq_app.survey.digest.send_daily",
	],
	"hourly": [
		"hsq_app.survey.invitations.invite_discharged",
		# issue 14: machine-door complaints whose worklist job never ran
		"hsq_app.complaints.worklist.catch_up",
		# report cells a burst's worklist job put off and no later job recounted
		"hsq_app.complaints.stats.recount_waiting",
	],
	"weekly": ["hsq_app.survey.digest.send_weekly"],
	"monthly": ["hsq_app.survey.digest.send_monthly"],
	"cron": {
		# SLA clocks: Warning / Breached and escalation up the chain
		"*/5 * * * *": [
			"hsq_app.complaints.sla.sweep",
			# survey answers that need a call back get their task; SMS whose pause is over are retried
			"hsq_app.survey.loop.sweep",
			"hsq_app.messaging.sms.retry_due",
			# issue 16: platform deliveries whose pause is over
			"hsq_app.complaints.platform.delivery.retry_due",
		],
		# 00:30 on the 1st: draft last month's follow-up reports
		"30 0 1 * *": ["hsq_app.follow_up.monthly_report.draft_monthly_reports"],
	},
}

# Testing
# -------
before_tests = "hsq_app.install.defaults.before_tests"

# Fixtures: the workflows and their states/actions ship as filtered fixtures
fixtures = []

# --- issue 14: production shape ---------------------------------------------------------------
# background jobs read through the replica like requests do, and fall back the same way
before_job = ["hsq_app.utils.replica.install"]

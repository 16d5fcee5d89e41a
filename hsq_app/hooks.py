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
after_install = "hsq_app.setup.install.after_install"
after_migrate = "hsq_app.setup.install.after_migrate"

# Default master data of each domain, created idempotently on install and on every migrate.
# (Custom hook: hsq_app.setup.install.ensure_defaults calls each in order.)
hsq_install_defaults = [
	"hsq_app.complaints.sla_defaults.install_defaults",
]

# Demo records of each domain for the start command's site (hsq_app.setup.demo.make_demo).
hsq_demo_data = []

# Permissions: isolation is carried by User Permissions kept in step with HSQ Staff
# (hsq_app.permissions); these two close the gap for users with no active post.
permission_query_conditions = {"*": "hsq_app.permissions.query_conditions"}
has_permission = {"*": "hsq_app.permissions.has_permission"}

override_whitelisted_methods = {"frappe.client.get_count": "hsq_app.api.overrides.get_count"}

doc_events = {
	"User": {"on_update": "hsq_app.permissions.on_user_roles_changed"},
}

scheduler_events = {
	"cron": {
		# SLA clocks: Warning / Breached and escalation up the chain
		"*/5 * * * *": ["hsq_app.complaints.sla.sweep"],
	},
}

# Testing
# -------
before_tests = "hsq_app.setup.install.before_tests"

# Fixtures: the workflows and their states/actions ship as filtered fixtures
fixtures = []

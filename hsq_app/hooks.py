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
	"hsq_app.complaints.workflow.ensure_workflow",
]

# Demo records of each domain for the start command's site (hsq_app.setup.demo.make_demo).
hsq_demo_data = [
	"hsq_app.complaints.demo.make_demo_complaints",
]

# Permissions: isolation is carried by User Permissions kept in step with HSQ Staff
# (hsq_app.permissions); these two close the gap for users with no active post.
permission_query_conditions = {"*": "hsq_app.permissions.query_conditions"}
has_permission = {"*": "hsq_app.permissions.has_permission"}

override_whitelisted_methods = {"frappe.client.get_count": "hsq_app.api.overrides.get_count"}

# a REST read of one complaint with personal data is logged like a desk view
after_request = ["hsq_app.complaints.access.log_rest_read"]

# guests (public pages) get the site's language, not Frappe 15's English fallback
before_request = ["hsq_app.utils.language.set_guest_language"]

# "Audit Trail" button on the complaint form (the form's own script stays the complaints module's)
doctype_js = {"HSQ Complaint": "public/js/complaint_audit_button.js"}

# the complaint handling record print format reads its signatures from the workflow history
jinja = {"methods": ["hsq_app.complaints.printing.handling_steps"]}

doc_events = {
	"User": {"on_update": "hsq_app.permissions.on_user_roles_changed"},
}

scheduler_events = {}

# Testing
# -------
before_tests = "hsq_app.setup.install.before_tests"

# Fixtures: the workflows and their states/actions ship as filtered fixtures
fixtures = []

from frappe import _

from hsq_app.api.public import public_categories, public_institutions

no_cache = 1


def get_context(context):
	context.no_cache = 1
	context.title = _("File a complaint")
	context.institutions = public_institutions()
	context.categories = public_categories()
	return context

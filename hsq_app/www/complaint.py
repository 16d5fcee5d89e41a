from frappe import _
from frappe.utils import nowdate

from hsq_app.api.public import (
	max_photos,
	photo_max_mb,
	public_categories,
	public_departments,
	public_institutions,
)

no_cache = 1


def get_context(context):
	context.no_cache = 1
	context.title = _("File a complaint")
	context.institutions = public_institutions()
	context.categories = public_categories()
	context.departments = public_departments()  # {institution: [{name, label}]}, names only
	context.today = nowdate()
	context.max_photos = max_photos()
	context.photo_max_mb = photo_max_mb()
	return context

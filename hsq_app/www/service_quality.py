"""/service-quality: the county's monthly complaint figures for the public (guest, cached, aggregates only)."""

import frappe
from frappe import _

from hsq_app.complaints.transparency import public_figures

no_cache = 1  # the figures have a cache of their own (ten minutes, see transparency.public_figures)


def get_context(context):
	context.title = _("Medical Service Quality")
	context.no_breadcrumbs = 1
	context.figures = frappe.read_only()(public_figures)()  # from the read replica, when there is one
	context.max_received = max([m["received"] for m in context.figures["months"]] + [1])
	return context

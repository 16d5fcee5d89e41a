"""The workspace charts by channel and by finding read narrow covering indexes (issue 14): existing
sites get the category index with the channel added and the new finding index; each index is
rebuilt only when its columns differ (idempotent)."""

from hsq_app.complaints.doctype.hsq_complaint.hsq_complaint import ensure_analytics_indexes


def execute():
	ensure_analytics_indexes()

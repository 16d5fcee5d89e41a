"""The workspace charts by channel and by finding read narrow covering indexes (issue 14): existing
sites get the category index with the channel added and the new finding index; each index is
rebuilt only when its columns differ (idempotent)."""

from hsq_app.complaints.doctype.hsq_complaint.hsq_complaint import ANALYTICS_INDEXES
from hsq_app.utils.indexes import ensure_index


def execute():
	for name, columns in ANALYTICS_INDEXES.items():
		ensure_index("HSQ Complaint", columns, name)

"""The workspace charts' covering indexes on HSQ Complaint without sla_status and escalation_level
(issue 14, part 6): the SLA sweep changes those columns on thousands of complaints a run, and the
reports that read them from these indexes now read kept cells. Existing sites still hold the old
columns under the same index names, which frappe.db.add_index leaves alone; each index is rebuilt
when its columns differ (idempotent)."""

from hsq_app.complaints.doctype.hsq_complaint.hsq_complaint import ensure_analytics_indexes


def execute():
	ensure_analytics_indexes()

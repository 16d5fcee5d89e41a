"""The covering indexes the reports rely on (benchmarks/README.md), on sites made before them:
a DocType's on_doctype_update runs only when its definition changes."""

from hsq_app.complaints.doctype.hsq_complaint import hsq_complaint
from hsq_app.follow_up.doctype.hsq_discharge_record import hsq_discharge_record


def execute():
	hsq_complaint.on_doctype_update()
	hsq_discharge_record.on_doctype_update()

"""The complaint's hooks for repeats, platform orders and complainant messages (doc_events in
hooks.py): one place that sees every save from every door, after the controller's own methods."""

from __future__ import annotations

from hsq_app.complaints import complainant_sms, repeats
from hsq_app.complaints.platform import orders


def before_insert(doc, method=None):
	orders.on_registration(doc)
	repeats.on_before_insert(doc)


def before_validate(doc, method=None):
	repeats.on_before_validate(doc)


def after_insert(doc, method=None):
	if not doc.flags.hsq_register_later:  # else by the job of hsq_app.complaints.worklist
		complainant_sms.notify(doc, complainant_sms.REGISTERED)


def on_update(doc, method=None):
	before = doc.get_doc_before_save()
	if not before or before.workflow_state == doc.workflow_state:
		return
	orders.on_transition(doc, before.workflow_state, doc.workflow_state)
	if doc.workflow_state == "Resolved":
		complainant_sms.notify(doc, complainant_sms.ANSWERED)
	elif doc.workflow_state == "Closed":
		complainant_sms.notify(doc, complainant_sms.CLOSED)

"""The SMS log's (reference_doctype, reference_name) index on sites made before it (issue 14)."""

from hsq_app.messaging.doctype.hsq_sms_log import hsq_sms_log


def execute():
	hsq_sms_log.on_doctype_update()

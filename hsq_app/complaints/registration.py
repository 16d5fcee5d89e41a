"""A second's machine-door complaints registered together (the worklist job, issue 14).

For each freshly registered complaint, what ``worklist.assign`` does one by one through Frappe's
``assign_to.add`` — the repeat marks, a ToDo for each quality officer who must act, the "assigned"
line on the timeline, ``_assign``, the officer's notification (bell, realtime, e-mail as their
notification settings say), a share where an officer could not read it, and the registration SMS —
written here with a few statements for the whole chunk. ``assign_to.add`` inserts every ToDo,
comment and notification as a document (hooks, a reload of the complaint, a permission check and
an RQ job per notification): about 90 ms of the ``short`` worker per complaint, which shared the
two cores with the requests during a burst (benchmarks/README.md, "Intake").

Only complaints still Registered with no open ToDo take this path; the rest (acted on meanwhile,
already assigned, gone) are left to ``worklist.assign``. The rows are the ones Frappe writes: the
desk, the bell and the ToDo list cannot tell them apart (tests/test_intake_worklist.py).
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.desk.doctype.notification_log.notification_log import (
	get_title_html,
	send_notification_email,
	set_notifications_as_unseen,
)
from frappe.desk.doctype.notification_settings.notification_settings import (
	is_email_notifications_enabled_for_type,
	is_notifications_enabled,
)
from frappe.utils import escape_html, get_fullname, getdate, now_datetime, nowdate, sanitize_html

from hsq_app.complaints import complainant_sms, repeats, routing
from hsq_app.complaints import workflow as wf
from hsq_app.messaging.sms import LOG as SMS_LOG
from hsq_app.utils.bulk import clear_cached_docs, insert_rows, update_by_name

DOCTYPE = "HSQ Complaint"
NO_OUTGOING_EMAIL_LOGGED = "hsq:no-outgoing-email-logged"  # cache key, set for an hour
FIELDS = (
	"name",
	"workflow_state",
	"institution",
	"department",
	"handler",
	"registered_by",
	"resolve_by",
	"received_at",
	"description",
	"summary",
	"phone_key",
	"repeat_of",
	"repeat_count",
	"is_anonymous",
	"complainant_phone",
	"merged_into",
	"tracking_code",
)
TODO_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"status",
	"priority",
	"date",
	"description",
	"reference_type",
	"reference_name",
	"assigned_by",
	"assigned_by_full_name",
	"allocated_to",
)
COMMENT_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"comment_type",
	"comment_email",
	"content",
	"reference_doctype",
	"reference_name",
)
NOTIFICATION_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"type",
	"subject",
	"for_user",
	"from_user",
	"document_type",
	"document_name",
	"email_content",
	"read",
)


def register(names: list[str]) -> list[str]:
	"""Register the chunk's fresh complaints (locked, so a workflow action taken meanwhile waits
	or has already moved them); returns their names."""
	if not names:
		return []
	columns = ", ".join(f"`{f}`" for f in FIELDS)
	# by primary key: a hundred lookups, not a walk through every Registered complaint of the
	# workflow_state index (the job runs READ COMMITTED, so no gap is held either way: worklist.drain)
	docs = frappe.db.sql(
		f"""select {columns} from `tabHSQ Complaint` force index (primary)
		where name in %(names)s and workflow_state = %(state)s order by name for update""",
		{"names": names, "state": wf.REGISTERED},
		as_dict=True,
	)
	if not docs:
		return []
	assigned = set(
		frappe.db.sql(
			"""select distinct reference_name from `tabToDo` where reference_type = %s
			and reference_name in %s and status = 'Open'""",
			(DOCTYPE, [d.name for d in docs]),
			pluck=True,
		)
	)
	docs = [d for d in docs if d.name not in assigned]
	if not docs:
		return []
	_mark_repeats(docs)
	wanted = _officers(docs)
	_write_assignments(docs, wanted)
	_send_registration_sms(docs)
	return [d.name for d in docs]


def _mark_repeats(docs) -> None:
	"""The chunk's repeat marks (repeats.mark_stored's values), written in one UPDATE: a platform
	forwarding one matter many times marks every complaint of the chunk."""
	changed = {}
	for doc, earlier in zip(docs, repeats.earlier_reports_of(docs), strict=True):
		values = {"repeat_of": earlier[0].name if earlier else None, "repeat_count": len(earlier)}
		if values != {"repeat_of": doc.repeat_of or None, "repeat_count": doc.repeat_count or 0}:
			doc.update(values)
			changed[doc.name] = values
	update_by_name(DOCTYPE, changed)
	clear_cached_docs(DOCTYPE, changed)


def _officers(docs) -> dict[str, list[str]]:
	"""Each complaint's quality officers (routing.current_actors of a Registered complaint), enabled
	users only; asked once per institution and registrar."""
	by_key, wanted = {}, {}
	for doc in docs:
		key = (doc.institution, doc.registered_by)
		if key not in by_key:
			by_key[key] = routing.quality_officers(doc)
		wanted[doc.name] = by_key[key]
	users = {u for us in wanted.values() for u in us}
	enabled = set(
		frappe.db.sql(
			"select name from `tabUser` where name in %s and enabled = 1", (list(users),), pluck=True
		)
		if users
		else ()
	)
	return {name: sorted(u for u in us if u in enabled) for name, us in wanted.items()}


def _write_assignments(docs, wanted: dict[str, list[str]]) -> None:
	now = now_datetime()
	by = frappe.session.user
	by_name = get_fullname(by)
	todos, comments, notifications, assign_json = [], [], [], {}
	readable = {}
	for doc in docs:
		users = wanted[doc.name]
		if not users:
			continue
		description = escape_html(_("Complaint {0}: {1}").format(doc.name, _(doc.workflow_state)))
		date = getdate(doc.resolve_by) if doc.resolve_by else getdate(nowdate())
		for user in users:
			todos.append(
				(
					frappe.generate_hash(length=10),
					now,
					now,
					by,
					by,
					"Open",
					"Medium",
					date,
					description,
					DOCTYPE,
					doc.name,
					by,
					by_name,
					user,
				)
			)
			text = (
				_("{0} self assigned this task: {1}").format(get_fullname(by), description)
				if by == user
				else _("{0} assigned {1}: {2}").format(by_name, get_fullname(user), description)
			)
			comments.append(
				(
					frappe.generate_hash(length=10),
					now,
					now,
					by,
					by,
					"Assigned",
					by,
					sanitize_html(text, always_sanitize=True),
					DOCTYPE,
					doc.name,
				)
			)
			key = (doc.institution, user)
			if key not in readable:  # an officer reads the institution's complaints (permissions.py)
				readable[key] = frappe.has_permission(DOCTYPE, "read", doc=doc.name, user=user)
			if not readable[key]:
				frappe.share.add(DOCTYPE, doc.name, user, flags={"ignore_share_permission": True})
			if by != user:
				notifications.append((user, doc, description))
		assign_json[doc.name] = json.dumps(users)
	insert_rows("ToDo", TODO_FIELDS, todos)
	insert_rows("Comment", COMMENT_FIELDS, comments)
	if assign_json:
		update_by_name(DOCTYPE, {name: {"_assign": value} for name, value in assign_json.items()})
		clear_cached_docs(DOCTYPE, assign_json)
		for row in comments:  # an open form's timeline shows the line (Comment.notify_change)
			frappe.publish_realtime(
				"docinfo_update",
				{
					"doc": dict(zip(COMMENT_FIELDS, row, strict=True)),
					"key": "assignment_logs",
					"action": "add",
				},
				doctype=DOCTYPE,
				docname=row[-1],
				after_commit=True,
			)
		frappe.publish_realtime(
			"list_update",
			{"doctype": "ToDo", "name": todos[-1][0], "user": by},
			doctype="ToDo",
			after_commit=True,
		)
	_notify(notifications, now, by)
	for user in {row[-1] for row in todos}:
		if frappe.get_cached_value("User", user, "follow_assigned_documents"):
			from frappe.desk.form.document_follow import follow_document

			for doc in docs:
				if user in wanted[doc.name]:
					follow_document(DOCTYPE, doc.name, user)


def _notify(notifications, now, by) -> None:
	"""The officers' Notification Log rows, as assign_to.notify_assignment and the notification's
	own after_insert make them (subject in the officer's language; bell, realtime, e-mail)."""
	if not notifications:
		return
	from_name = frappe.bold(get_fullname(by))
	users = {user for user, _doc, _d in notifications}
	langs = dict(frappe.db.sql("select name, language from `tabUser` where name in %s", (list(users),)))
	users = {u for u in users if is_notifications_enabled(u)}
	rows, logs = [], []
	for user, doc, description in notifications:
		if user not in users:
			continue
		lang = langs.get(user)
		subject = _("{0} assigned a new task {1} {2} to you", lang=lang).format(
			from_name, frappe.bold(_(DOCTYPE, lang=lang)), get_title_html(doc.summary or doc.name)
		)
		log = frappe._dict(
			name=frappe.generate_hash(length=10),
			type="Assignment",
			subject=subject,
			for_user=user,
			from_user=by,
			document_type=DOCTYPE,
			document_name=doc.name,
			email_content=f"<div>{description}</div>",
		)
		logs.append(log)
		rows.append(
			(
				log.name,
				now,
				now,
				by,
				by,
				log.type,
				log.subject,
				user,
				by,
				DOCTYPE,
				doc.name,
				log.email_content,
				0,
			)
		)
	insert_rows("Notification Log", NOTIFICATION_FIELDS, rows)
	for user in users:
		frappe.publish_realtime("notification", after_commit=True, user=user)
		set_notifications_as_unseen(user)
	mail = {u for u in users if is_email_notifications_enabled_for_type(u, "Assignment")}
	if mail and not _can_send_email():
		return
	for log in logs:
		if log.for_user in mail:
			try:
				send_notification_email(frappe.get_doc({"doctype": "Notification Log", **log}))
			except frappe.OutgoingEmailError:
				_no_outgoing_email()
				break


def _can_send_email() -> bool:
	"""Whether the notification e-mails have an account to leave by (the one ``frappe.sendmail``
	would take: the default outgoing, the site config's, or a dummy while e-mails are muted). Without
	one, Frappe's own notifications fail on each e-mail and log each failure."""
	from frappe.email.doctype.email_account.email_account import EmailAccount

	if EmailAccount.find_outgoing():
		return True
	_no_outgoing_email()
	return False


def _no_outgoing_email() -> None:
	"""One Error Log an hour while no outgoing account is set up, not one a second during a burst
	(each registration job would log one): the admin sees it, and the log is not flooded."""
	if frappe.cache.get_value(NO_OUTGOING_EMAIL_LOGGED, expires=True):  # (not the request-local copy)
		return
	frappe.log_error(_("Failed to send notification email"), _("No outgoing email account is set up"))
	frappe.cache.set_value(NO_OUTGOING_EMAIL_LOGGED, 1, expires_in_sec=3600)


def _send_registration_sms(docs) -> None:
	sent = set(
		frappe.db.sql(
			f"""select reference_name from `tab{SMS_LOG}` where reference_doctype = %s
			and reference_name in %s and template = %s""",
			(DOCTYPE, [d.name for d in docs], complainant_sms.REGISTERED),
			pluck=True,
		)
	)
	# one INSERT and one delivery job for the chunk's messages
	complainant_sms.notify_many([doc for doc in docs if doc.name not in sent], complainant_sms.REGISTERED)

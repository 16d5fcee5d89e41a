"""日、周、月 feedback: department heads and the responsible leader (分管负责人) get a daily digest of
low scores, and a weekly and monthly summary, each with links to the answers."""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import add_days, add_months, get_first_day, get_url, getdate, today

from hsq_app.hsq_setup.departments import heads_of
from hsq_app.survey import indicators
from hsq_app.utils.notify import bell

RESPONSE = "HSQ Survey Response"


def _tell(user: str, subject: str, message: str) -> None:
	"""A digest in the user's desk notifications (always) and by email (when the site sends mail)."""
	bell(user, subject, RESPONSE, message=message)
	if frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
		frappe.sendmail(recipients=[user], subject=subject, message=message, delayed=True)


def _link(name: str) -> str:
	return get_url(f"/app/hsq-survey-response/{name}")


def _recipients(institution: str, department: str | None) -> list[str]:
	users = []
	users += heads_of(department)
	users.append(frappe.db.get_value("HSQ Institution", institution, "deputy_head"))
	return sorted({u for u in users if u})


def low_scores(day) -> list[frappe._dict]:
	day = getdate(day)
	return frappe.get_all(
		RESPONSE,
		filters={
			"submitted_at": ("between", [day, add_days(day, 1)]),
			"needs_attention": 1,
			"kind": ("!=", "Staff"),
		},
		fields=["name", "institution", "department", "overall_score", "comment", "outcome"],
		order_by="submitted_at asc",
	)


def send_daily(day=None) -> int:
	"""Yesterday's answers that need attention, per department head and leader. Returns mails queued."""
	day = getdate(day) if day else add_days(getdate(today()), -1)
	by_user: dict[str, list] = defaultdict(list)
	for row in low_scores(day):
		for user in _recipients(row.institution, row.department):
			by_user[user].append(row)
	for user, rows in by_user.items():
		items = "".join(
			f'<li><a href="{_link(r.name)}">{frappe.utils.escape_html(r.name)}</a> · {r.overall_score} · '
			f"{frappe.utils.escape_html((r.comment or '')[:80])} · {_(r.outcome or '')}</li>"
			for r in rows
		)
		_tell(
			user,
			_("Satisfaction survey: {0} answers need attention ({1})").format(len(rows), day),
			f"<ul>{items}</ul>",
		)
	return len(by_user)


def _summary(start, end) -> int:
	sent = 0
	for inst in frappe.get_all(
		"HSQ Institution",
		filters={"institution_type": ("!=", "Bureau"), "disabled": 0},
		fields=["name", "deputy_head"],
	):
		if not inst.deputy_head:
			continue
		figures = indicators.indicators_for(start, end, [inst.name])
		lines = "".join(
			f"<li>{_(i['kind'] + ' Satisfaction')}: {i['satisfaction'] if i['satisfaction'] is not None else '—'}% · "
			f"{_('Answers')} {i['responses']} / {_('Quota')} {i['quota']}</li>"
			for i in figures["indicators"]
		)
		link = get_url(
			f"/app/query-report/HSQ Survey Indicators?institution={inst.name}&from_date={start}&to_date={end}"
		)
		_tell(
			inst.deputy_head,
			_("Satisfaction survey summary {0} to {1}").format(start, end),
			f'<ul>{lines}</ul><p><a href="{link}">{_("Open the report")}</a></p>',
		)
		sent += 1
	return sent


def send_weekly(day=None) -> int:
	end = add_days(getdate(day or today()), -1)
	return _summary(add_days(end, -6), end)


def send_monthly(day=None) -> int:
	start = get_first_day(add_months(getdate(day or today()), -1))
	return _summary(start, add_days(add_months(start, 1), -1))

"""Our side of a platform work order: registration from the platform, 签收, 退单, 延期申请, 办结反馈.

Platform deadlines are the platform's (calendar days from HSQ Platform, or the dates the platform
sent), kept beside the bureau's own SLA clocks. 信访 uses its statutory limits: 15 days to decide
acceptance, 60 days to handle, at most 30 more with approval (see ``ensure_defaults``).
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import add_days, cint, get_datetime, now_datetime

from hsq_app.complaints.platform import delivery
from hsq_app.utils import cached
from hsq_app.utils.text import plain_text

DEFAULT_PLATFORMS = (
	# name, channel, sign for within, answer within, longest extension (calendar days)
	("12345", "12345 Hotline", 1, 15, 15),
	("信访", "Letters and Visits", 15, 60, 30),
)


class PlatformOrderError(frappe.ValidationError):
	pass


def ensure_defaults() -> None:
	"""The 12345 and 信访 platforms, without URL or secret (the admin sets them in the desk)."""
	for name, channel, sign_days, answer_days, max_ext in DEFAULT_PLATFORMS:
		if not frappe.db.exists("HSQ Platform", name):
			frappe.get_doc(
				{
					"doctype": "HSQ Platform",
					"platform_name": name,
					"channel": channel,
					"enabled": 1,
					"sign_days": sign_days,
					"answer_days": answer_days,
					"max_extension_days": max_ext,
				}
			).insert(ignore_permissions=True)


PLATFORM_BY_CHANNEL = "hsq_platform_by_channel"


def platform_for_channel(channel: str | None) -> str | None:
	"""The enabled platform of a channel (cached: asked on every complaint's insert; HSQ Platform
	forgets it when a platform is saved or deleted)."""
	if not channel:
		return None
	return cached.lookup(
		PLATFORM_BY_CHANNEL,
		channel,
		lambda: frappe.db.get_value("HSQ Platform", {"channel": channel, "enabled": 1}, "name"),
	)


def on_registration(doc) -> None:
	"""before_insert: a complaint from a platform carries its order and the platform's deadlines.

	The order comes from the intake door (``doc.flags.hsq_platform_order``), never from a user's
	values: these are system fields (field_policy)."""
	order = doc.flags.hsq_platform_order
	if not order:
		return
	doc.update(order)
	p = frappe.get_cached_doc("HSQ Platform", doc.platform)
	doc.platform_order_no = doc.platform_order_no or doc.external_ref
	doc.platform_status = "Received"
	start = get_datetime(doc.received_at or now_datetime())
	doc.platform_sign_by = doc.platform_sign_by or add_days(start, cint(p.sign_days))
	doc.platform_answer_by = doc.platform_answer_by or add_days(start, cint(p.answer_days))


@contextmanager
def system_write(doc):
	doc.flags.hsq_system = True
	try:
		yield doc
	finally:
		doc.flags.hsq_system = False


def _order(complaint: str):
	from hsq_app.permissions import require_role
	from hsq_app.roles import BUREAU_ADMIN, QUALITY_OFFICER

	require_role(QUALITY_OFFICER, BUREAU_ADMIN)
	doc = frappe.get_doc("HSQ Complaint", complaint)
	doc.check_permission("write")
	if not doc.platform:
		frappe.throw(_("Complaint {0} did not come from a platform").format(doc.name), PlatformOrderError)
	if doc.merged_into:
		frappe.throw(
			_("Complaint {0} was merged into {1}").format(doc.name, doc.merged_into), PlatformOrderError
		)
	return doc


def _set(doc, **values) -> None:
	frappe.db.set_value("HSQ Complaint", doc.name, values)
	doc.update(values)


def sign_for(complaint: str) -> dict:
	doc = _order(complaint)
	if doc.platform_signed_at:
		return {"name": doc.name, "platform_status": doc.platform_status}
	if doc.platform_status == "Sent Back":
		frappe.throw(_("Complaint {0} was sent back to the platform").format(doc.name), PlatformOrderError)
	late = _sign(doc)
	return {"name": doc.name, "platform_status": "Signed For", "late": late}


def _sign(doc) -> bool:
	"""签收: stamp the order signed for and tell the platform; True when past its limit."""
	now = now_datetime()
	late = bool(doc.platform_sign_by and now > get_datetime(doc.platform_sign_by))
	_set(doc, platform_signed_at=now, platform_status="Signed For")
	doc.add_comment(
		"Info", _("Signed for on platform {0} (order {1})").format(doc.platform, doc.platform_order_no)
	)
	delivery.queue(doc, "Signed For", {"signed_at": str(now), "late": late, "by": frappe.session.user})
	return late


def send_back(complaint: str, reason: str) -> dict:
	"""退单: only before the order is signed for (and the platform's send-back limit), with a reason
	saying why the matter is outside the health system."""
	doc = _order(complaint)
	reason = plain_text(reason or "")[:1000]
	if not reason:
		frappe.throw(_("Sending an order back needs a reason"), frappe.MandatoryError)
	if doc.platform_signed_at or doc.workflow_state != "Registered":
		frappe.throw(_("Only an order not yet signed for or dispatched can be sent back"), PlatformOrderError)
	days = cint(frappe.get_cached_value("HSQ Platform", doc.platform, "send_back_days"))
	limit = add_days(get_datetime(doc.received_at), days) if days else doc.platform_sign_by
	if limit and now_datetime() > get_datetime(limit):
		frappe.throw(_("The time to send this order back ended at {0}").format(limit), PlatformOrderError)
	_set(doc, platform_status="Sent Back")
	doc.add_comment("Info", _("Sent back to platform {0}: {1}").format(doc.platform, reason))
	delivery.queue(doc, "Sent Back", {"reason": reason})
	return {"name": doc.name, "platform_status": "Sent Back"}


def request_extension(complaint: str, days: int, reason: str) -> dict:
	doc = _order(complaint)
	days, reason = cint(days), plain_text(reason or "")[:1000]
	limit = cint(frappe.get_cached_value("HSQ Platform", doc.platform, "max_extension_days"))
	if not reason or days <= 0 or (limit and days > limit):
		frappe.throw(_("An extension needs a reason and 1 to {0} days").format(limit), PlatformOrderError)
	if doc.workflow_state in ("Resolved", "Closed", "Not Accepted"):
		frappe.throw(_("Complaint {0} is already answered").format(doc.name), PlatformOrderError)
	_set(doc, platform_status="Extension Requested")
	doc.add_comment(
		"Info", _("Extension of {0} days asked of platform {1}: {2}").format(days, doc.platform, reason)
	)
	delivery.queue(doc, "Extension Requested", {"days": days, "reason": reason})
	return {"name": doc.name, "platform_status": "Extension Requested"}


def on_transition(doc, from_state: str | None, to_state: str) -> None:
	"""on_update: the answer (approved) and the closing go to the platform, for the complaint's own
	order and for every platform order merged into it as a duplicate (the same event, one answer)."""
	if doc.merged_into or from_state == to_state or to_state not in ("Resolved", "Closed"):
		return
	orders = [doc] if doc.platform else []
	orders += [frappe.get_doc("HSQ Complaint", n) for n in merged_orders(doc.name)]
	for order in orders:
		tell_outcome(order, doc, to_state)


def merged_orders(name: str) -> list[str]:
	"""The platform orders merged into this complaint."""
	return frappe.get_all(
		"HSQ Complaint",
		filters={"merged_into": name, "platform": ("is", "set"), "platform_status": ("!=", "Sent Back")},
		pluck="name",
		order_by="received_at asc",
	)


def tell_outcome(order, source, state: str) -> None:
	"""Deliver ``source``'s answer (Resolved) or closing (Closed) as the outcome of ``order``'s platform
	order; ``order`` is ``source`` itself or a duplicate merged into it. One delivery per round of
	``source`` (a 重办 of the first complaint answers the merged order again)."""
	merged = {"merged_into": source.name} if order.name != source.name else {}
	round_no = cint(source.reopen_count)
	if state == "Resolved":
		frappe.db.set_value("HSQ Complaint", order.name, "platform_status", "Answered", update_modified=False)
		data = {
			"finding": source.finding,
			"resolution": source.resolution,
			"reply": source.reply_to_complainant,
			"approved_by": frappe.session.user,
			"resolved_at": str(source.resolved_at or now_datetime()),
		}
		delivery.queue(order, "Answered", {**data, **merged}, round_no=round_no)
	else:
		frappe.db.set_value("HSQ Complaint", order.name, "platform_status", "Closed", update_modified=False)
		data = {"feedback": source.complainant_feedback, "closed_at": str(source.closed_at or now_datetime())}
		delivery.queue(order, "Closed", {**data, **merged}, round_no=round_no)


def on_merge(dup, first) -> None:
	"""A platform order merged into an earlier complaint: the platform hears that it is signed for
	(if it was not) and handled with that complaint, and gets the answer already given, if any."""
	if not dup.platform or dup.platform_status == "Sent Back":
		return
	if not dup.platform_signed_at:
		_sign(dup)
	delivery.queue(dup, "Merged", {"merged_into": first.name, "by": frappe.session.user})
	dup.add_comment(
		"Info",
		_("Platform {0} is told that order {1} is handled with complaint {2}").format(
			dup.platform, dup.platform_order_no, first.name
		),
	)
	if first.workflow_state in ("Resolved", "Closed"):
		tell_outcome(dup, first, "Resolved")
	if first.workflow_state == "Closed":
		tell_outcome(dup, first, "Closed")

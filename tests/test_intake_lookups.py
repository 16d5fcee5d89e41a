"""The lookups a complaint's insert makes on every call are cached (issue 14: intake speed), and
the cache never answers with what is no longer true: a rule or platform saved, deleted, or written
in a transaction that rolled back."""

import frappe
from complaint_steps import registered

from hsq_app.complaints.platform.orders import platform_for_channel
from hsq_app.complaints.routing import routing_rule


def _rule(w, category="Fees", department=None, handler=None):
	return frappe.get_doc(
		{
			"doctype": "HSQ Routing Rule",
			"institution": w.a.institution,
			"category": category,
			"department": department or w.a.dept2,
			"handler": handler,
		}
	).insert()


def test_a_routing_rule_applies_at_once_and_stops_when_deleted(shared_world):
	w = shared_world
	assert routing_rule(w.a.institution, "Fees") is None  # asked (and cached) before the rule exists
	rule = _rule(w, handler=w.a.handler2)
	name = registered(w, category="Fees")
	assert frappe.db.get_value("HSQ Complaint", name, ["department", "handler"]) == (w.a.dept2, w.a.handler2)
	frappe.delete_doc("HSQ Routing Rule", rule.name)
	name = registered(w, category="Fees")
	assert frappe.db.get_value("HSQ Complaint", name, "department") is None


def test_a_routing_rule_changed_applies_to_the_next_complaint(shared_world):
	w = shared_world
	rule = _rule(w, category="Environment")
	assert routing_rule(w.a.institution, "Environment")["department"] == w.a.dept2
	rule.department = w.a.dept1
	rule.save()
	name = registered(w, category="Environment")
	assert frappe.db.get_value("HSQ Complaint", name, "department") == w.a.dept1


def test_a_rule_written_in_a_transaction_that_rolled_back_is_not_remembered(shared_world):
	w = shared_world
	frappe.db.commit()  # the world, as it is
	_rule(w, category="Privacy")
	assert routing_rule(w.a.institution, "Privacy")  # read inside the transaction: cached
	frappe.db.rollback()
	assert routing_rule(w.a.institution, "Privacy") is None


def test_a_platform_enabled_or_disabled_is_seen_at_once(shared_world):
	channel = "Letters and Visits"
	name = frappe.db.get_value("HSQ Platform", {"channel": channel}, "name")
	if not name:
		name = (
			frappe.get_doc(
				{"doctype": "HSQ Platform", "platform_name": "信访测试", "channel": channel, "enabled": 1}
			)
			.insert()
			.name
		)
	platform = frappe.get_doc("HSQ Platform", name)
	platform.enabled = 1
	platform.save()
	assert platform_for_channel(channel) == name
	platform.enabled = 0
	platform.save()
	assert platform_for_channel(channel) is None

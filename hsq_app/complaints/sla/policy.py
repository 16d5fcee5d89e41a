"""Which HSQ SLA Policy governs a complaint: the enabled policy whose channel / category /
severity match (blank matches all), lowest ``priority`` first, then the most specific; else HSQ
Settings' default policy. Policies and their escalation rows are cached until a policy changes."""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe.utils import cint, flt

POLICY_CACHE_KEY = "hsq_sla_policies"
POLICY_FIELDS = (
	"name",
	"enabled",
	"priority",
	"channel",
	"category",
	"severity",
	"acknowledge_hours",
	"first_contact_days",
	"resolve_days",
	"complex_resolve_days",
	"max_extension_days",
	"use_calendar_days",
	"warn_at_percent",
)


def get_policies() -> list[frappe._dict]:
	"""Every SLA policy with its escalation rows (sorted by level), cached until a policy changes."""
	return frappe.cache.get_value(POLICY_CACHE_KEY, generator=_load_policies)


def _load_policies() -> list[frappe._dict]:
	policies = frappe.get_all("HSQ SLA Policy", fields=list(POLICY_FIELDS), order_by="priority asc, name asc")
	rules = frappe.get_all(
		"HSQ SLA Escalation Rule",
		filters={"parenttype": "HSQ SLA Policy", "parentfield": "escalations"},
		fields=["parent", "level", "after_hours_overdue", "notify"],
		order_by="level asc, idx asc",
	)
	by_policy = defaultdict(list)
	for rule in rules:
		by_policy[rule.parent].append(
			frappe._dict(
				level=cint(rule.level), after_hours=flt(rule.after_hours_overdue), notify=rule.notify
			)
		)
	for policy in policies:
		policy.escalations = by_policy.get(policy.name, [])
	return policies


def clear_policy_cache() -> None:
	frappe.cache.delete_value(POLICY_CACHE_KEY)


def on_policy_change() -> None:
	"""HSQ SLA Policy saved or deleted: drop the cache now, at commit and at rollback."""
	clear_policy_cache()
	frappe.db.after_commit.add(clear_policy_cache)
	frappe.db.after_rollback.add(clear_policy_cache)


def get_policy(name: str | None) -> frappe._dict | None:
	return next((p for p in get_policies() if p.name == name), None) if name else None


def match_policy(channel=None, category=None, severity=None) -> frappe._dict | None:
	"""The enabled policy for these values: lowest priority number, then the most specific."""
	wanted = {"channel": channel, "category": category, "severity": severity}
	candidates = [
		p for p in get_policies() if p.enabled and all(not p[f] or p[f] == v for f, v in wanted.items())
	]
	if candidates:
		return min(candidates, key=lambda p: (cint(p.priority), -sum(1 for f in wanted if p[f]), p.name))
	return get_policy(frappe.db.get_single_value("HSQ Settings", "default_sla_policy"))


def extension_cap(policy_name: str | None) -> float:
	"""The most extension days the complaint's policy allows (0 without a policy)."""
	policy = get_policy(policy_name)
	return flt(policy.max_extension_days) if policy else 0

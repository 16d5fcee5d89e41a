"""The satisfaction indicators block on every role's landing workspace.

A Custom HTML Block ("HSQ Satisfaction Indicators") draws this month's outpatient, inpatient and
staff satisfaction with their sample sizes and quota status, beside follow-up call satisfaction,
from ``hsq_app.survey.indicators.workspace_indicators`` (figures over what the viewer may see).
It is added to each landing workspace on install and migrate, so the workspaces' JSON files stay
as their modules ship them.
"""

from __future__ import annotations

import frappe

from hsq_app.install.desk import ROLE_WORKSPACES

BLOCK = "HSQ Satisfaction Indicators"
BLOCK_ID = "hsqSatIndic"

HTML = '<div class="hsq-sat"><div class="hsq-sat-title"></div><div class="hsq-sat-grid">…</div></div>'
STYLE = """
.hsq-sat { padding: 4px 0; }
.hsq-sat-title { font-weight: 600; margin-bottom: 8px; }
.hsq-sat-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 10px; }
.hsq-sat-card { border: 1px solid var(--border-color, #e2e6e9); border-radius: 8px; padding: 10px 12px; }
.hsq-sat-card .v { font-size: 22px; font-weight: 600; }
.hsq-sat-card .s { font-size: 12px; color: var(--text-muted, #6c7680); }
.hsq-sat-card .ok { color: #2f9e44; } .hsq-sat-card .short { color: #c92a2a; }
"""
SCRIPT = """
const grid = root_element.querySelector(".hsq-sat-grid");
root_element.querySelector(".hsq-sat-title").textContent = __("Satisfaction This Month");
const esc = (v) => frappe.utils.escape_html(String(v));
frappe.call("hsq_app.survey.indicators.workspace_indicators").then((r) => {
	const d = r.message || {};
	const cards = (d.indicators || []).map((i) => `
		<div class="hsq-sat-card" data-kind="${esc(i.kind)}">
			<div class="s">${esc(__(i.kind + " Satisfaction"))}</div>
			<div class="v">${i.satisfaction === null ? "—" : esc(i.satisfaction) + "%"}</div>
			<div class="s">${esc(__("Answers"))}: <b class="n">${esc(i.responses)}</b> / ${esc(__("Quota"))} ${esc(i.quota)}
				<span class="${i.quota_met ? "ok" : "short"} quota">${esc(i.quota_met ? __("Quota Met") : __("Below Quota"))}</span></div>
		</div>`);
	const f = d.follow_up_calls || {};
	cards.push(`<div class="hsq-sat-card" data-kind="FollowUp">
		<div class="s">${esc(__("Follow Up Call Satisfaction"))}</div>
		<div class="v">${f.average ? esc(f.average) + " / 5" : "—"}</div>
		<div class="s">${esc(__("Answers"))}: <b class="n">${esc(f.responses || 0)}</b></div></div>`);
	grid.innerHTML = cards.join("");
});
"""


def ensure_indicator_block() -> None:
	values = {"html": HTML, "style": STYLE, "script": SCRIPT, "private": 0}
	if frappe.db.exists("Custom HTML Block", BLOCK):
		doc = frappe.get_doc("Custom HTML Block", BLOCK)
		if any(doc.get(k) != v for k, v in values.items()):
			doc.update(values)
			doc.save(ignore_permissions=True)
	else:
		doc = frappe.new_doc("Custom HTML Block")
		doc.update(values)
		doc.name = BLOCK
		doc.flags.name_set = True
		doc.insert(ignore_permissions=True, set_name=BLOCK)
	for _role, workspace in ROLE_WORKSPACES:
		add_to_workspace(workspace)


def add_to_workspace(name: str) -> None:
	if not frappe.db.exists("Workspace", name):
		return
	ws = frappe.get_doc("Workspace", name)
	content = frappe.parse_json(ws.content or "[]")
	changed = False
	if not any(b.get("data", {}).get("custom_block_name") == BLOCK for b in content):
		# right after the heading, above the number cards
		at = 1 if content and content[0].get("type") == "header" else 0
		content.insert(
			at, {"id": BLOCK_ID, "type": "custom_block", "data": {"custom_block_name": BLOCK, "col": 12}}
		)
		ws.content = frappe.as_json(content, indent=None)
		changed = True
	if not any(row.custom_block_name == BLOCK for row in ws.custom_blocks):
		ws.append("custom_blocks", {"custom_block_name": BLOCK, "label": BLOCK})
		changed = True
	if changed:
		ws.flags.ignore_permissions = True
		ws.flags.ignore_links = True
		ws.save()

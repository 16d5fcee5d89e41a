"""A complaint's title in lists, links and the form (issue 13): who, masked, and what.

``王* · 门诊排队两小时无人引导…``: the complainant's (or patient's) surname with the rest masked, so a
list tells cases apart without showing a name to anyone, and the first words of the description.
Derived on every save (hsq_app.complaints.field_policy.DERIVED); the full ID is the list's ID
column.
"""

from frappe import _
from frappe.utils import cint

WORDS = 18
LENGTH = 140


def mask_name(name: str | None) -> str:
	"""王五 -> 王*, 欧阳娜娜 -> 欧***: only the first character shows."""
	name = (name or "").strip()
	return f"{name[0]}{'*' * max(len(name) - 1, 1)}" if name else ""


def summary(doc) -> str:
	who = (
		_("Anonymous")
		if cint(doc.get("is_anonymous"))
		else mask_name(doc.get("complainant_name") or doc.get("patient_name"))
	)
	text = " ".join((doc.get("description") or "").split())
	words = text[:WORDS] + ("…" if len(text) > WORDS else "")
	return " · ".join(p for p in (who, words) if p)[:LENGTH] or _(doc.get("category") or "")


def set_summary(doc) -> None:
	doc.summary = summary(doc)

"""Repeat (重复反映) and duplicate complaints, and the leader's long-unresolved list.

* The complainant's phone is compared through ``phone_key``, a keyed hash (HMAC-SHA256 with the
  site's encryption key) of the normalised number: no second clear copy of the phone is stored.
* On registration, from any door, earlier complaints within ``HSQ Settings.repeat_window_days``
  from the same phone, or with similar text at the same institution, make the new one a repeat:
  ``repeat_of`` the earliest of them, ``repeat_count`` how many there are.
* ``merge_duplicate`` folds a true duplicate into the first complaint: the duplicate gets
  ``merged_into`` and is closed without a finding; the first one is not reopened. A merged
  complaint counts nowhere (``counted`` is the one filter reports, accountability and SLA use).
"""

from __future__ import annotations

import hashlib
import hmac
from bisect import bisect_left, bisect_right

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, get_datetime, now_datetime
from pypika.functions import Count, Substring
from pypika.terms import Order

from hsq_app.complaints import workflow as wf
from hsq_app.complaints.platform import orders
from hsq_app.messaging.sms import normalize_phone

try:
	# difflib's SequenceMatcher compiled (the same code, the same ratios; about 3 times faster): a
	# registration compares its text with up to TEXT_CANDIDATES earlier ones (benchmarks/README.md)
	from cydifflib import SequenceMatcher
except ImportError:  # a platform without its wheel: the standard library's, slower
	from difflib import SequenceMatcher

TEXT_CANDIDATES = 200
TEXT_CHARS = 500


class MergeError(frappe.ValidationError):
	pass


def phone_key(phone: str | None) -> str | None:
	number = normalize_phone(phone)
	if not number:
		return None
	from frappe.utils.password import get_encryption_key

	return hmac.new(get_encryption_key().encode(), number.encode(), hashlib.sha256).hexdigest()[:32]


def counted(table=None):
	"""The condition that leaves merged duplicates out: a qb criterion, or a get_list filter."""
	if table is None:
		return ["HSQ Complaint", "merged_into", "is", "not set"]
	return table.merged_into.isnull() | (table.merged_into == "")


def on_before_validate(doc) -> None:
	"""Derived on every save: the phone's key follows the phone (and is gone when anonymous)."""
	doc.phone_key = None if cint(doc.is_anonymous) else phone_key(doc.complainant_phone)


def on_before_insert(doc) -> None:
	"""Registration from any door: mark a repeat (the machine doors' a moment after the commit,
	by the job of hsq_app.complaints.worklist, which calls :func:`mark_stored`)."""
	on_before_validate(doc)
	if doc.flags.hsq_register_later:
		return
	earlier = earlier_reports(doc)
	doc.repeat_of = earlier[0].name if earlier else None
	doc.repeat_count = len(earlier)


def mark_stored(doc) -> None:
	"""A stored complaint's repeat marks, as on_before_insert would have set them."""
	earlier = earlier_reports(doc)
	values = {"repeat_of": earlier[0].name if earlier else None, "repeat_count": len(earlier)}
	if values != {"repeat_of": doc.repeat_of or None, "repeat_count": cint(doc.repeat_count)}:
		doc.db_set(values, update_modified=False)


class _Alphabet(dict):
	"""Bit numbers of the characters met so far, so that a text's distinct characters are one
	integer and the characters two texts share one AND and a bit count away."""

	def signature(self, text: str) -> tuple[int, int]:
		"""(the text's distinct characters as bits, how many of its characters repeat one before)."""
		mask = 0
		for ch in set(text):
			bit = self.get(ch)
			if bit is None:
				bit = self[ch] = 1 << len(self)
			mask |= bit
		return mask, len(text) - mask.bit_count()


class _Matcher:
	"""Compares texts with one earlier complaint's text: ``similar`` is ``SequenceMatcher(None, text,
	earlier, autojunk=False).ratio() >= threshold`` for the openings of both texts, whatever they are
	(tests/test_repeats_and_sms.py).

	Most texts compared are about something else, and a bound that costs an AND and a bit count
	tells so first: every distinct character one text has and the other lacks is at least one
	character left unmatched, so with ``k`` distinct characters in both,
	``2 * min(len(a) - |A| + k, len(b) - |B| + k) / (len(a) + len(b))`` is at least the ratio (it is
	at least difflib's ``quick_ratio``). The distinct characters are bits of one integer, numbered
	by an :class:`_Alphabet` the matchers of one chunk share. Only a pair that bound lets through is
	indexed (``set_seq2``, once per earlier text, shared by a chunk's complaints) and compared."""

	def __init__(self, earlier: str, alphabet: _Alphabet | None = None):
		# the opening of the text says what the matter is
		self.earlier = earlier[:TEXT_CHARS]
		self.length = len(self.earlier)
		self.alphabet = _Alphabet() if alphabet is None else alphabet
		self.mask, self.spare = self.alphabet.signature(self.earlier)
		self.matcher = None

	def similar(self, text: str, threshold: float, signature: tuple[int, int] | None = None) -> bool:
		"""``signature``: ``self.alphabet.signature(text[:TEXT_CHARS])``, where the caller compares
		one text with many."""
		if len(text) > TEXT_CHARS:
			text = text[:TEXT_CHARS]
		if text == self.earlier:  # the same text sent again (a platform forwarding it twice): ratio 1
			return threshold <= 1
		mask, spare = self.alphabet.signature(text) if signature is None else signature
		# the texts differ, so they are not both empty; k distinct characters in both texts
		k = (mask & self.mask).bit_count()
		if 2.0 * (min(spare, self.spare) + k) / (len(text) + self.length) < threshold:
			return False
		m = self.matcher
		if m is None:
			m = self.matcher = SequenceMatcher(None, autojunk=False)
			m.set_seq2(self.earlier)
		m.set_seq1(text)
		return m.quick_ratio() >= threshold and m.ratio() >= threshold


def earlier_reports(doc) -> list[frappe._dict]:
	"""Earlier counted complaints of the same matter, oldest first (no permission filter: used by
	the app itself; what a user is shown goes through ``related``)."""
	return earlier_reports_of([doc])[0]


def earlier_reports_of(docs: list) -> list[list[frappe._dict]]:
	""":func:`earlier_reports` of each of ``docs`` (a registration job's chunk), with a query per
	institution instead of two per complaint: the same rows, read once and shared.

	For each complaint: the complaints received within ``repeat_window_days`` up to its own
	receipt with the same phone, and, of the latest ``TEXT_CANDIDATES`` of its institution up to
	its receipt, those with a similar text."""
	window, threshold = (
		frappe.db.get_single_value("HSQ Settings", "repeat_window_days"),
		flt(frappe.db.get_single_value("HSQ Settings", "repeat_text_similarity")),
	)
	threshold = threshold or 0.8
	window = cint(window) or 180
	asked = []
	for doc in docs:
		received = get_datetime(doc.received_at or now_datetime())
		asked.append(frappe._dict(doc=doc, received=received, since=add_days(received, -window), found={}))
	C = frappe.qb.DocType("HSQ Complaint")

	def rows_between(since, until, extra=None, fields=(), order=False, limit=None):
		q = (
			frappe.qb.from_(C)
			.select(C.name, C.received_at, *fields)
			.where(C.received_at >= since)
			.where(C.received_at <= until)
			.where(counted(C))
		)
		if extra is not None:
			q = q.where(extra)
		if order:
			q = q.orderby(C.received_at, order=Order.desc).orderby(C.name, order=Order.desc)
		if limit:
			q = q.limit(limit)
		return q.run(as_dict=True)

	def within(a, row) -> bool:
		return a.since <= row.received_at <= a.received and row.name != (a.doc.name or "")

	keys = {a.doc.phone_key for a in asked if a.doc.phone_key}
	if keys:
		since, until = min(a.since for a in asked), max(a.received for a in asked)
		by_key = {}
		for row in rows_between(since, until, C.phone_key.isin(sorted(keys)), fields=(C.phone_key,)):
			by_key.setdefault(row.pop("phone_key"), []).append(row)
		for a in asked:
			for row in by_key.get(a.doc.phone_key, ()):
				if within(a, row):
					a.found[row.name] = row
	if threshold < 1:
		by_institution = {}
		for a in asked:
			if a.doc.description:
				by_institution.setdefault(a.doc.institution, []).append(a)
		# only the opening of each text is compared (_Matcher): only that is read
		opening = Substring(C.description, 1, TEXT_CHARS).as_("description")
		matchers, alphabet = {}, _Alphabet()
		for institution, group in by_institution.items():
			for a, candidates in zip(
				group, _text_candidates(group, institution, rows_between, opening), strict=True
			):
				text = a.doc.description[:TEXT_CHARS]
				signature = mask, spare = alphabet.signature(text)
				length, found = len(text), a.found
				for row in candidates:
					matcher = matchers.get(row.name)
					if matcher is None:
						if not row.description:
							continue
						matcher = matchers[row.name] = _Matcher(row.description, alphabet)
					# the matcher's bound first, here: most pairs end on it (a call each cost more)
					k = (mask & matcher.mask).bit_count()
					if 2.0 * (min(spare, matcher.spare) + k) / (length + matcher.length) < threshold:
						continue
					if row.name not in found and matcher.similar(text, threshold, signature):
						found[row.name] = row
	return [sorted(a.found.values(), key=lambda r: (r.received_at, r.name)) for a in asked]


def _text_candidates(group, institution, rows_between, opening) -> list[list]:
	"""Each complaint's latest TEXT_CANDIDATES of its institution up to its receipt (a busy
	institution's oldest texts of the window told nothing of last week's repeat), newest first.

	One read for the group: the latest rows up to the group's last receipt, as many as can come
	before any one complaint's own candidates (those received after the group's first receipt)
	plus the candidates and the complaint itself; where that would read more than one query a
	complaint reads, each complaint's are read on their own."""
	C = frappe.qb.DocType("HSQ Complaint")
	first, last = min(a.received for a in group), max(a.received for a in group)
	since = min(a.since for a in group)
	extra = C.institution == institution
	later = (
		frappe.qb.from_(C)
		.select(Count("*"))
		.where(C.institution == institution)
		.where(C.received_at > first)
		.where(C.received_at <= last)
		.where(counted(C))
		.run()[0][0]
	) if len(group) > 1 else 0  # fmt: skip
	depth = later + TEXT_CANDIDATES + 1
	if depth > TEXT_CANDIDATES * len(group):
		read = [
			rows_between(a.since, a.received, extra, fields=(opening,), order=True, limit=TEXT_CANDIDATES + 1)
			for a in group
		]
	else:
		rows = rows_between(since, last, extra, fields=(opening,), order=True, limit=depth)
		read = [rows] * len(group)
	out, ascending = [], {}
	for a, rows in zip(group, read, strict=True):
		# the rows come newest first: this complaint's are the newest from its receipt back, a
		# bisection away, not a walk through the rows of every later complaint of the group
		if id(rows) not in ascending:
			rows_up = rows[::-1]
			ascending[id(rows)] = (rows_up, [r.received_at for r in rows_up])
		rows_up, times = ascending[id(rows)]
		# the newest from its receipt back to its window's start, itself left out
		end = bisect_right(times, a.received)
		start = max(bisect_left(times, a.since), end - TEXT_CANDIDATES - 1)
		own = a.doc.name or ""
		found = [row for row in reversed(rows_up[start:end]) if row.name != own][:TEXT_CANDIDATES]
		out.append(found)
	return out


@frappe.whitelist()
def related(complaint: str) -> list[dict]:
	"""The complaint's earlier and later reports of the same matter that the caller may see."""
	doc = frappe.get_doc("HSQ Complaint", complaint)
	doc.check_permission("read")
	root = doc.repeat_of or doc.name
	return frappe.get_list(
		"HSQ Complaint",
		filters=[["name", "!=", doc.name]],
		or_filters=[["name", "=", root], ["repeat_of", "=", root], ["merged_into", "=", root]],
		fields=["name", "received_at", "channel", "workflow_state", "merged_into", "repeat_of"],
		order_by="received_at asc",
		limit_page_length=50,
	)


@frappe.whitelist(methods=["POST"])
def merge_duplicate(complaint: str, into: str) -> dict:
	"""Fold a true duplicate (the same event reported twice) into the first complaint."""
	from hsq_app.permissions import require_role
	from hsq_app.roles import BUREAU_ADMIN, QUALITY_OFFICER

	require_role(QUALITY_OFFICER, BUREAU_ADMIN)
	dup = frappe.get_doc("HSQ Complaint", complaint)
	first = frappe.get_doc("HSQ Complaint", into)
	dup.check_permission("write")
	first.check_permission("read")
	if dup.name == first.name or first.merged_into or dup.merged_into:
		frappe.throw(_("Complaint {0} cannot be merged into {1}").format(dup.name, first.name), MergeError)
	if dup.institution != first.institution:
		frappe.throw(_("Only complaints about the same institution can be merged"), MergeError)
	if dup.workflow_state in wf.FINAL_STATES:
		frappe.throw(
			_("Complaint {0} is {1} and can no longer be changed").format(dup.name, _(dup.workflow_state)),
			MergeError,
		)
	if get_datetime(first.received_at) > get_datetime(dup.received_at):
		frappe.throw(_("Merge the later complaint into the earlier one"), MergeError)
	now = now_datetime()
	# a system write: the duplicate leaves every count and clock (Closed, final, no finding)
	frappe.db.set_value(
		"HSQ Complaint",
		dup.name,
		{"merged_into": first.name, "workflow_state": wf.CLOSED, "closed_at": now},
	)
	frappe.db.set_value(
		"HSQ Complaint", first.name, "repeat_count", cint(first.repeat_count) + 1, update_modified=False
	)
	from hsq_app.complaints import stats

	stats.complaints_changed([dup.name])  # a merged duplicate leaves the per-day cells
	dup.add_comment(
		"Info", _("Merged as a duplicate into {0} by {1}").format(first.name, frappe.session.user)
	)
	first.add_comment(
		"Info", _("Duplicate {0} ({1}) merged into this complaint").format(dup.name, _(dup.channel))
	)
	_close_todos(dup.name)
	orders.on_merge(dup, first)
	return {"name": dup.name, "merged_into": first.name}


def _close_todos(name: str) -> None:
	T = frappe.qb.DocType("ToDo")
	(
		frappe.qb.update(T)
		.set(T.status, "Closed")
		.where((T.reference_type == "HSQ Complaint") & (T.reference_name == name) & (T.status == "Open"))
	).run()


@frappe.whitelist()
def long_unresolved(limit: int = 100) -> list[dict]:
	"""The leader's list: open complaints older than ``long_unresolved_days`` and repeatedly reported
	matters, oldest first, as far as the caller may see."""
	days = cint(frappe.db.get_single_value("HSQ Settings", "long_unresolved_days") or 30)
	return frappe.get_list(
		"HSQ Complaint",
		filters=[["workflow_state", "in", list(wf.OPEN_STATES)], counted()],
		or_filters=[["received_at", "<", add_days(now_datetime(), -days)], ["repeat_count", ">", 0]],
		fields=[
			"name",
			"received_at",
			"institution",
			"department",
			"category",
			"workflow_state",
			"repeat_count",
			"repeat_of",
			"urge_count",
		],
		order_by="received_at asc",
		limit_page_length=min(cint(limit) or 100, 500),
	)

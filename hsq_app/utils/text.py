"""Plain text from guests and integrations: what is stored is text, never markup.

Frappe's ``strip_html`` is a regular expression: it leaves an unclosed tag such as
``<img src=x onerror=alert(5) end-unclosed`` in place, and entities like ``&lt;script&gt;`` come
back as markup wherever a page unescapes them. :func:`plain_text` parses the input with a real HTML
parser (html.parser via BeautifulSoup, which Frappe already ships), keeps only the text, turns what
is left of angle brackets into their full-width forms (harmless in Chinese text, inert in HTML),
and drops control characters other than tab and newline (NUL bytes included).
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_BRACKETS = str.maketrans({"<": "＜", ">": "＞"})
_BLANK_LINES = re.compile(r"\n{3,}")
# Unicode's control characters (category Cc: U+0000-U+001F, U+007F-U+009F) other than tab and
# newline (a carriage return is turned into a newline first); one regular expression rather
# than a category lookup per character (an import of 10,000 rows cleans a million characters)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_EXCEPT_CR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str) -> bool:
	return _CONTROL_EXCEPT_CR.search(value) is not None


def plain_text(value: str | None) -> str | None:
	"""``value`` as plain text (see the module's docstring); None stays None."""
	if value is None:
		return None
	text = str(value)
	if "<" in text or "&" in text:
		with warnings.catch_warnings():
			warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
			text = BeautifulSoup(text, "html.parser").get_text()
	text = text.translate(_BRACKETS).replace("\r\n", "\n").replace("\r", "\n")
	text = _CONTROL.sub("", text)
	return _BLANK_LINES.sub("\n\n", text).strip()

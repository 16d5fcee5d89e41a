__version__ = "0.1.0"


def _boot() -> None:
	try:
		import frappe  # noqa: F401
	except ImportError:  # packaging tools read the version without Frappe
		return
	from hsq_app.boot import apply as boot
	from hsq_app.security import apply as secure

	boot()  # request parsing (malformed JSON answers 417)
	secure()  # isolation and personal data at every door: query guard, access log (issue 11)


_boot()

"""A small fake work-order platform (12345 / 信访) for tests: an HTTP server on 127.0.0.1 that
checks each delivery's HMAC signature, keeps one delivery per idempotency key (as the real
platforms do), and can fail the first n requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakePlatform:
	def __init__(self, secret: str, fail_first: int = 0):
		self.secret = secret
		self.fail_first = fail_first
		self.requests: list[dict] = []  # every request, failed or not
		self.accepted: dict[str, dict] = {}  # idempotency key -> the delivery kept
		self.bad_signatures = 0
		fake = self

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self):
				body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
				fake._handle(self, body)

			def log_message(self, *args):
				pass

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	def _handle(self, handler, body: bytes) -> None:
		key = handler.headers.get("X-HSQ-Idempotency-Key")
		timestamp = handler.headers.get("X-HSQ-Timestamp") or ""
		expected = hmac.new(
			self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
		).hexdigest()
		signed = hmac.compare_digest(handler.headers.get("X-HSQ-Signature", ""), f"sha256={expected}")
		self.requests.append({"key": key, "signed": signed, "body": json.loads(body)})
		if not signed:
			self.bad_signatures += 1
			return self._answer(handler, 401)
		if self.fail_first > 0:
			self.fail_first -= 1
			return self._answer(handler, 503)
		if key in self.accepted:
			return self._answer(handler, 200)  # the same key again: kept once
		self.accepted[key] = json.loads(body)
		return self._answer(handler, 200)

	@staticmethod
	def _answer(handler, status: int) -> None:
		handler.send_response(status)
		handler.send_header("Content-Type", "application/json")
		handler.end_headers()
		handler.wfile.write(b"{}")

	def events(self) -> list[tuple[str, int]]:
		return sorted((b["event"], b["round"]) for b in self.accepted.values())

	def __enter__(self):
		self.thread.start()
		return self

	def __exit__(self, *exc):
		self.server.shutdown()
		self.server.server_close()

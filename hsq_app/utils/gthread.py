"""gunicorn's threaded worker that answers every connection it has accepted before it leaves.

The web program runs gunicorn's ``gthread`` workers (threads per worker, as Frappe's production
images) with ``--max-requests``, so a worker's memory does not grow for months: after its requests
it leaves and the arbiter starts a fresh one. gunicorn 23's ``gthread`` worker leaves its loop as
soon as it is told to and closes its poller: a connection it had already accepted but not yet
read (nginx had sent the request) was closed unanswered. nginx answered that request 502 (``recv()
failed (104: Connection reset by peer)``) and does not retry a POST: under load, a complaint sent
by a platform or a Note saved in the desk failed about once per worker restart
(benchmarks/README.md, "Eighteenth session").

:class:`ThreadWorker` is the same loop with one change: when the worker is told to leave (its
``--max-requests``, a graceful stop, a timed-out request), it first stops accepting (its sibling
workers take the new connections from the shared socket), closes its idle keep-alive connections
and keeps serving until every connection it accepted has been answered, for at most
``--graceful-timeout`` seconds. ``harness/hsq.py`` runs the web program with it
(``--worker-class hsq_app.utils.gthread.ThreadWorker``).
"""

from __future__ import annotations

import selectors
import time
from concurrent import futures
from functools import partial

from gunicorn.workers import gthread


class ThreadWorker(gthread.ThreadWorker):
	def _stop_accepting(self) -> None:
		for sock in self.sockets:
			try:
				self.poller.unregister(sock)
			except (KeyError, ValueError, OSError):
				pass
		# an idle keep-alive connection holds no request: closed, as gunicorn closes it at the end
		with self._lock:
			while self._keep:
				conn = self._keep.popleft()
				self.nr_conns -= 1
				try:
					self.poller.unregister(conn.sock)
				except (KeyError, ValueError, OSError):
					pass
				conn.close()

	def run(self):
		# gunicorn 23's ThreadWorker.run, with the leaving above (marked "hsq")
		for sock in self.sockets:
			sock.setblocking(False)
			server = sock.getsockname()
			acceptor = partial(self.accept, server)
			self.poller.register(sock, selectors.EVENT_READ, acceptor)

		leaving_since = None  # hsq
		while True:
			if not self.alive:  # hsq: answer what was accepted, then leave
				if leaving_since is None:
					leaving_since = time.monotonic()
					self._stop_accepting()
				if self.nr_conns <= 0 or time.monotonic() - leaving_since > self.cfg.graceful_timeout:
					break

			self.notify()

			if self.nr_conns < self.worker_connections:
				select_timeout = self.timeout or 1.0
				if self._keep:
					select_timeout = min(select_timeout, self.cfg.keepalive)
				if leaving_since is not None:  # hsq: look at the finished requests often
					select_timeout = min(select_timeout, 0.05)
				events = self.poller.select(select_timeout)
				for key, _ in events:
					callback = key.data
					callback(key.fileobj)

				result = futures.wait(self.futures, timeout=0, return_when=futures.FIRST_COMPLETED)
			else:
				result = futures.wait(self.futures, timeout=1.0, return_when=futures.FIRST_COMPLETED)

			for fut in result.done:
				self.futures.remove(fut)

			if not self.is_parent_alive():
				break

			self.murder_keepalived()

			current_time = time.monotonic()
			for fut in self.futures:
				if current_time > fut._request_timeout:
					if self.alive:
						self.log.error("A request timed out. Exiting.")
					self.alive = False

		self.tpool.shutdown(False)
		self.poller.close()

		for s in self.sockets:
			s.close()

		futures.wait(self.futures, timeout=self.cfg.graceful_timeout)

"""The web program's gunicorn worker (hsq_app/utils/gthread.py): a worker leaving after its
``--max-requests`` answers every connection it has accepted, none is reset (nginx's 502)."""

from __future__ import annotations

import http.client
import socket
import subprocess
import textwrap
import threading
import time
from pathlib import Path

from ops import bench_path

APP = textwrap.dedent(
	"""
	import os, time

	def application(environ, start_response):
		body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
		time.sleep(0.002)  # a request takes a little while, as a real one does
		out = b"%d:" % os.getpid() + body
		start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(out)))])
		return [out]
	"""
)


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def _serve(tmp: Path, port: int, worker_class: str) -> subprocess.Popen:
	(tmp / "tiny_app.py").write_text(APP)
	return subprocess.Popen(
		[
			str(bench_path() / "env" / "bin" / "gunicorn"),
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			"2",
			"--worker-class",
			worker_class,
			"--threads",
			"4",
			"--max-requests",
			"15",
			"--max-requests-jitter",
			"0",
			"--graceful-timeout",
			"10",
			"--chdir",
			str(tmp),
			"tiny_app:application",
		],
		stdout=subprocess.PIPE,
		stderr=subprocess.STDOUT,
		text=True,
		stdin=subprocess.DEVNULL,
	)


def _wait_for(port: int, seconds: float = 30) -> None:
	until = time.time() + seconds
	while time.time() < until:
		try:
			socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
			return
		except OSError:
			time.sleep(0.1)
	raise AssertionError(f"gunicorn did not listen on {port}")


def _post_many(port: int, clients: int, each: int) -> tuple[list[str], set[str]]:
	"""POST from ``clients`` threads, a new connection a request as nginx sends them; returns the
	failures and the worker pids that answered."""
	failures, pids, lock = [], set(), threading.Lock()

	def client(i):
		for n in range(each):
			body = f"{i}-{n}".encode()
			try:
				c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
				c.request("POST", "/", body=body, headers={"Connection": "close"})
				r = c.getresponse()
				out = r.read()
				c.close()
				if r.status != 200 or not out.endswith(b":" + body):
					raise AssertionError(f"{r.status} {out[:100]!r}")
				with lock:
					pids.add(out.split(b":", 1)[0].decode())
			except Exception as e:
				with lock:
					failures.append(f"{i}-{n}: {type(e).__name__}: {e}")

	threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
	for t in threads:
		t.start()
	for t in threads:
		t.join(300)
	return failures, pids


def test_a_worker_leaving_after_its_requests_answers_every_connection_it_accepted(tmp_path):
	port = _free_port()
	server = _serve(tmp_path, port, "hsq_app.utils.gthread.ThreadWorker")
	try:
		_wait_for(port)
		failures, pids = _post_many(port, clients=12, each=50)
	finally:
		server.terminate()
		log = server.communicate(timeout=60)[0]
	# 600 requests, 15 a worker: about forty workers came and went while the clients sent
	assert len(pids) >= 20, log[-3000:]
	assert log.count("Autorestarting worker") >= 20
	assert failures == [], f"{len(failures)} failed, e.g. {failures[:3]}\n{log[-2000:]}"
	assert "Traceback" not in log, log[-3000:]

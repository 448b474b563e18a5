"""The production gunicorn worker: gunicorn's gevent pywsgi worker with two additions.

`GUNICORN_WORKER_CLASS=app.http.gevent_worker.GeventWorker` (the default in gunicorn_conf.py).
gunicorn's own `gevent_pywsgi` worker (gevent's WSGI server inside gunicorn's process model:
monkey patching, graceful restarts, worker heartbeat) is the leanest gevent option measured for
the gateway (docs/language-models.md §9); this subclass adds

- fair accepts: with several workers sharing the listening socket, the worker that wakes first
  used to accept a whole burst of new connections (all 20 keep-alive connections of the
  benchmark on one worker in about one slice of three, the other worker idle). After each
  accept a worker that already serves another connection stops accepting for ACCEPT_PAUSE
  seconds, so a burst spreads over the workers; a connection waits at most that long in the
  backlog, and only while its worker is busy.
- an idle keep-alive timeout: pywsgi waits for the next request on a kept-alive connection
  forever; like gunicorn's other workers, close it after `keepalive` seconds without one.
- one send for the headers and a small first body chunk: pywsgi sends them separately, which
  costs a second syscall and a second wake-up of the client on every blocking JSON response.
- request headers read without the email package (app/http/request_headers.py), and the `Date`
  response header formatted once a second instead of once a response.
"""
from __future__ import annotations

import time

import gevent
from gevent.pywsgi import format_date_time
from gunicorn.workers.ggevent import GeventPyWSGIWorker, PyWSGIHandler, PyWSGIServer

from app.http.request_headers import read_headers

ACCEPT_PAUSE = 0.0005  # seconds
COALESCE_MAX = 64 * 1024  # first body chunks up to this size go out with the headers


class _HttpDate:
    """The `Date` header value, formatted again only when the second changes."""

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def now(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            self._value, self._second = format_date_time(second), second
        return self._value


class _Handler(PyWSGIHandler):
    http_date = _HttpDate()

    def MessageClass(self, rfile, *_):  # noqa: N802 — pywsgi's name
        return read_headers(rfile)

    def _headers(self):
        return self.headers.environ_items()

    def finalize_headers(self):
        if self.provided_date is None:
            self.response_headers.append((b"Date", self.http_date.now()))
            self.provided_date = True
        super().finalize_headers()

    def read_requestline(self):
        # only the wait for a request line is bounded: request bodies and streamed responses
        # are not (a slow client of a long SSE stream must not be cut off)
        with gevent.Timeout(self.server.keepalive_timeout, False):
            return super().read_requestline()
        return None  # timed out: pywsgi closes the connection

    def _write_with_headers(self, data):
        if len(data) > COALESCE_MAX:
            return super()._write_with_headers(data)
        parts: list[bytes] = []
        self._sendall = parts.append  # collect what pywsgi would send in two calls (headers, body)
        try:
            super()._write_with_headers(data)
        finally:
            del self._sendall
        self._sendall(b"".join(parts))
        return None

    def log_request(self):
        if self.server.log.access_log_enabled:  # skip building the log record when it is off
            super().log_request()


class _Server(PyWSGIServer):
    keepalive_timeout = 5.0
    fair_accept = False

    def do_handle(self, *args):
        super().do_handle(*args)
        pool = self.pool
        if self.fair_accept and pool is not None and pool.size - pool.free_count() > 1:
            # the same pause-and-resume gevent uses after accept errors (baseserver._do_read)
            self.stop_accepting()
            self._timer = self.loop.timer(ACCEPT_PAUSE)
            self._timer.start(self._start_accepting_if_started)


class GeventWorker(GeventPyWSGIWorker):
    server_class = _Server
    wsgi_handler = _Handler

    def init_process(self):
        _Server.keepalive_timeout = float(self.cfg.keepalive) or None
        _Server.fair_accept = self.cfg.workers > 1
        _Server.max_accept = 1 if self.cfg.workers > 1 else PyWSGIServer.max_accept
        super().init_process()

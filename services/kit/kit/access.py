"""The access line and the HTTP metrics of each request, for every service and the gateway.

The line has the shape ``kit.observability.JsonFormatter`` writes (ts, level,
logger, message, request_id, then the request's fields: service, method,
path, route, status, ms) but bypasses ``logging``: the logging machinery
(record, handler lock, formatter, a write per line) cost ~30 us a request, a
large share of a small endpoint (py-spy, 50 connections, on the gateway and
the services alike). Lines are buffered and written at most 4 KiB at a time
(whole lines, so workers sharing a pipe do not interleave), at least once a
second, and when the application shuts down. The ``panjereh.access`` logger's
level still decides whether they are written at all. Everything else is
logged through ``logging``.

The Prometheus children of each (method, route, status) are looked up once and
kept: ``labels()`` takes a lock and builds a key on every call.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import re
import sys
import time
import weakref
from typing import TextIO

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "panjereh_http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "panjereh_http_request_duration_seconds",
    "Time to serve a request",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
access_log = logging.getLogger("panjereh.access")

FLUSH_BYTES = 4096
FLUSH_SECONDS = 1.0
_NEEDS_ESCAPING = re.compile(r'["\\\x00-\x1f\x7f]')
_INFO = logging.INFO
_instances: weakref.WeakSet[AccessLog] = weakref.WeakSet()


def _json_text(text: str) -> str:
    """``text`` as it appears between the quotes of a JSON string (json.dumps, ensure_ascii=False)."""
    return json.dumps(text, ensure_ascii=False)[1:-1] if _NEEDS_ESCAPING.search(text) else text


class AccessLog:
    """Records finished requests of one service: metrics, and a buffered JSON access line."""

    def __init__(self, service: str, stream: TextIO | None = None) -> None:
        self.service = service
        self._service_json = _json_text(service)
        self._stream = stream
        self._pending: list[str] = []
        self._size = 0
        self._second = -1
        self._ts_prefix = ""
        self._timer: asyncio.TimerHandle | None = None
        self._flush_by = 0.0  # when the pending timer is due
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._histograms: dict[tuple[str, str], Histogram] = {}
        self._routes: dict[str, str] = {}
        _instances.add(self)

    def record(
        self, request_id: str, method: str, path: str, route: str, status: int, elapsed: float
    ) -> None:
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[(method, route, status)] = REQUESTS.labels(
                self.service, method, route, str(status)
            )
        counter.inc()
        histogram = self._histograms.get((method, route))
        if histogram is None:
            histogram = self._histograms[(method, route)] = LATENCY.labels(self.service, method, route)
        histogram.observe(elapsed)
        if not access_log.isEnabledFor(_INFO):
            return
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._ts_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        route_json = self._routes.get(route)
        if route_json is None:
            route_json = self._routes[route] = _json_text(route)
        path = _json_text(path)
        method = _json_text(method)  # a token in HTTP; anything through an in-process ASGI client
        line = (
            f'{{"ts": "{self._ts_prefix}.{int((now - second) * 1000):03d}+00:00", "level": "INFO", '
            f'"logger": "panjereh.access", "message": "{method} {path} {status}", '
            f'"request_id": "{request_id}", "service": "{self._service_json}", "method": "{method}", '
            f'"path": "{path}", "route": "{route_json}", "status": {status}, "ms": {round(elapsed * 1000, 2)}}}\n'
        )
        if self._size + len(line) > FLUSH_BYTES:
            self.flush()
        self._pending.append(line)
        self._size += len(line)
        if self._timer is None:
            self._arm(now)
        elif now > self._flush_by + FLUSH_SECONDS:
            # The timer's event loop is gone (a test's loop closed): flush here and arm anew.
            self._timer.cancel()
            self._timer = None
            self.flush()
            self._arm(now)

    def _arm(self, now: float) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop: flush() and stop() write the lines
            return
        self._flush_by = now + FLUSH_SECONDS
        self._timer = loop.call_later(FLUSH_SECONDS, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()

    def flush(self) -> None:
        if self._pending:
            stream = self._stream or sys.stderr
            stream.write("".join(self._pending))
            stream.flush()
            self._pending.clear()
            self._size = 0

    def start(self) -> None:
        """Write what is buffered; from now on the next line arms the flush timer."""
        self.flush()

    def stop(self) -> None:
        """Cancel the flush timer and write what is buffered (at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.flush()


@atexit.register
def flush_all() -> None:
    """Write the buffered lines of every AccessLog of this process."""
    for log in list(_instances):
        log.flush()

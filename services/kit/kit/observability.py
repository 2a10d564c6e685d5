"""Request IDs, JSON logs, Prometheus metrics and the last-resort 500, in one ASGI pass."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.access import LATENCY, REQUESTS, AccessLog, access_log
from kit.errors import problem_body
from kit.forwarded import caller_path
from kit.request_context import REQUEST_ID_HEADER, current_request_id, set_client, set_request_id

__all__ = [
    "LATENCY",
    "REQUESTS",
    "JsonFormatter",
    "RequestContextMiddleware",
    "access_log",
    "configure_logging",
    "error_log",
    "metrics_endpoint",
]

error_log = logging.getLogger("panjereh.error")
_REQUEST_ID_HEADER = REQUEST_ID_HEADER.encode()
_SHUTDOWN_DONE = frozenset({"lifespan.shutdown.complete", "lifespan.shutdown.failed"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line, carrying the request ID when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = current_request_id()
        if rid:
            entry["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the root, uvicorn and our loggers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Our access log replaces uvicorn's (it knows the route and the request ID),
    # and httpx's line per outgoing request is noise beside it.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)


class RequestContextMiddleware:
    """Outermost middleware of every service.

    Adopts or mints ``X-Request-ID`` and returns it, records Prometheus metrics
    by route template and one JSON access line (``kit.access.AccessLog``,
    buffered; written at the latest when the application shuts down), and
    turns an unhandled exception into a problem+json 500 that leaks no stack
    trace.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self.access = AccessLog(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, self._flushing_at_shutdown(send))
            else:
                await self.app(scope, receive, send)
            return
        incoming = user_agent = None
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                incoming = value.decode("latin-1")
            elif key == b"user-agent":
                user_agent = value.decode("latin-1")
        rid = set_request_id(incoming)
        client = scope.get("client")
        set_client(client[0] if client else None, user_agent)
        rid_header = (_REQUEST_ID_HEADER, rid.encode())
        status = 500
        started = False
        t0 = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                body = problem_body(
                    status=500,
                    code="internal-error",
                    title="Internal error",
                    title_fa="خطای داخلی",
                    detail="The server could not complete the request; quote the request ID when reporting it.",
                    instance=caller_path(Request(scope)),
                )
                payload = json.dumps(body).encode()
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(payload)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": payload})
        finally:
            route = scope.get("route")
            self.access.record(
                rid,
                scope["method"],
                scope["path"],
                getattr(route, "path", None) or "unmatched",
                status,
                time.perf_counter() - t0,
            )

    def _flushing_at_shutdown(self, send: Send) -> Send:
        async def send_and_flush(message: Message) -> None:
            if message["type"] in _SHUTDOWN_DONE:
                self.access.stop()
            await send(message)

        return send_and_flush


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

"""Request IDs, JSON logs, Prometheus metrics and the last-resort 500, in one ASGI pass."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.errors import problem_body
from kit.request_context import REQUEST_ID_HEADER, current_request_id, set_request_id

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
error_log = logging.getLogger("panjereh.error")


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

    Adopts or mints ``X-Request-ID`` and returns it, logs one JSON access line,
    records Prometheus metrics by route template, and turns an unhandled
    exception into a problem+json 500 that leaks no stack trace.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = set_request_id(incoming)
        rid_header = (REQUEST_ID_HEADER.encode(), rid.encode())
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
                    instance=scope["path"],
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
            elapsed = time.perf_counter() - t0
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            REQUESTS.labels(self.service, method, template, str(status)).inc()
            LATENCY.labels(self.service, method, template).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={
                        "fields": {
                            "service": self.service,
                            "method": method,
                            "path": scope["path"],
                            "route": template,
                            "status": status,
                            "ms": round(elapsed * 1000, 2),
                        }
                    },
                )


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

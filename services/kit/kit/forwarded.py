"""The service prefix the gateway forwarded a request under (``X-Forwarded-Prefix: /orders``).

The gateway strips ``/orders`` from ``/orders/v1/...`` and names it in this header, so a
service can speak of its paths as the caller sees them: links (``kit.urls``) and problem
``instance``s (``kit.errors``). A value that is not a plain path is ignored.
"""

from __future__ import annotations

import re

from starlette.requests import HTTPConnection

_PREFIX = re.compile(r"^(/[A-Za-z0-9._-]+)+$")


def forwarded_prefix(request: HTTPConnection) -> str:
    """The prefix, without a trailing slash; ``""`` for a direct call."""
    prefix = request.headers.get("x-forwarded-prefix", "").strip().rstrip("/")
    return prefix if _PREFIX.match(prefix) else ""


def caller_path(request: HTTPConnection) -> str:
    """The request's path as the caller asked it (``/orders/v1/order-files`` through the gateway)."""
    return forwarded_prefix(request) + request.url.path

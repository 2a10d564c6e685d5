"""URLs as the caller sees them, through the gateway or not.

The gateway forwards ``/orders/v1/...`` to orders as ``/v1/...`` and says so in
``X-Forwarded-Prefix``, ``X-Forwarded-Host`` and ``X-Forwarded-Proto``;
links a service returns (``next`` pages, ``Location``) must point at the
gateway's address, not the service's internal one.
"""

from __future__ import annotations

import re

from starlette.datastructures import URL
from starlette.requests import Request

_PREFIX = re.compile(r"^(/[A-Za-z0-9._-]+)+$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def public_url(request: Request) -> URL:
    url = request.url
    host = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    prefix = request.headers.get("x-forwarded-prefix", "").strip().rstrip("/")
    if host and _HOST.match(host):
        url = url.replace(netloc=host)
    if proto in ("http", "https"):
        url = url.replace(scheme=proto)
    if prefix and _PREFIX.match(prefix):
        url = url.replace(path=prefix + url.path)
    return url


def public_location(request: Request, path: str) -> str:
    """An absolute URL for ``path`` (a service path like ``/v1/clients/x``)."""
    base = public_url(request)
    prefix = (
        base.path[: len(base.path) - len(request.url.path)] if base.path.endswith(request.url.path) else ""
    )
    return str(base.replace(path=prefix + path, query=""))

"""URLs as the caller sees them, through the gateway or not.

The gateway forwards ``/orders/v1/...`` to orders as ``/v1/...`` and says so in
``X-Forwarded-Prefix``; links a service returns (``next`` pages, ``Location``)
must then point at the platform's public address: the configured
``PANJEREH_PUBLIC_BASE_URL`` plus that prefix. Never a Host or X-Forwarded-Host
a caller sent: a forged one would turn the links into an attacker's. A request
that did not come through the gateway (tests, a service's own address) gets
links to the address it asked, whose Host ``kit.edge`` has allow-listed.
"""

from __future__ import annotations

from starlette.datastructures import URL
from starlette.requests import Request

from kit.forwarded import forwarded_prefix
from kit.settings import DEFAULT_PUBLIC_BASE_URL


def _configured_base(request: Request) -> URL:
    app = request.scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return URL(getattr(settings, "public_base_url", None) or DEFAULT_PUBLIC_BASE_URL)


def public_url(request: Request) -> URL:
    url = request.url
    prefix = forwarded_prefix(request)
    if not prefix:
        return url
    base = _configured_base(request)
    return url.replace(scheme=base.scheme, netloc=base.netloc, path=base.path + prefix + url.path)


def public_location(request: Request, path: str) -> str:
    """An absolute URL for ``path`` (a service path like ``/v1/clients/x``)."""
    base = public_url(request)
    prefix = (
        base.path[: len(base.path) - len(request.url.path)] if base.path.endswith(request.url.path) else ""
    )
    return str(base.replace(path=prefix + path, query=""))

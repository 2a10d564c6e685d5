"""How uvicorn runs the gateway: uvloop, httptools, and no Date/Server headers of its own.

An upstream's answer already carries its Date and Server headers; the
gateway's own answers get a Date from ``responses.DateHeaderMiddleware``.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from gateway.config import GatewaySettings

APP = "gateway.main:create_app"


def uvicorn_options(settings: GatewaySettings) -> dict[str, Any]:
    return {
        "loop": "uvloop",
        "http": "httptools",
        "lifespan": "on",
        "access_log": False,  # the gateway writes its own JSON access line
        "server_header": False,
        "date_header": False,
        # With nobody trusted, uvicorn ignores X-Forwarded-* and the peer is the client.
        "proxy_headers": bool(settings.forwarded_allow_ips.strip()),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
        "log_level": settings.log_level.lower(),
    }


def run(settings: GatewaySettings, *, host: str, port: int, workers: int) -> None:
    uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, **uvicorn_options(settings))

"""One httpx.AsyncClient per process, with explicit timeouts and the request ID."""

from __future__ import annotations

import httpx

from kit.request_context import REQUEST_ID_HEADER, current_request_id


async def _propagate_request_id(request: httpx.Request) -> None:
    rid = current_request_id()
    if rid and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = rid


def create_http_client(
    *,
    timeout_seconds: float = 5.0,
    connect_timeout_seconds: float = 2.0,
    max_connections: int = 100,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The process-wide client; created in the lifespan, closed on shutdown."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        event_hooks={"request": [_propagate_request_id]},
        transport=transport,
        follow_redirects=False,
    )

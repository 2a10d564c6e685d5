"""The process-wide httpx client: explicit timeouts and the request ID passed on."""

from __future__ import annotations

import httpx
import respx

from kit.http import create_http_client
from kit.request_context import set_request_id


async def test_outgoing_calls_carry_the_request_id() -> None:
    client = create_http_client(timeout_seconds=3, connect_timeout_seconds=1)
    async with client, respx.mock() as router:
        route = router.get("http://peer/health").mock(return_value=httpx.Response(200))
        set_request_id("req-123")
        await client.get("http://peer/health")
        assert route.calls.last.request.headers["x-request-id"] == "req-123"
        # An explicit header from the caller wins.
        await client.get("http://peer/health", headers={"X-Request-ID": "explicit"})
        assert route.calls.last.request.headers["x-request-id"] == "explicit"


def test_timeouts_are_explicit() -> None:
    client = create_http_client(timeout_seconds=3, connect_timeout_seconds=1)
    assert client.timeout.read == 3
    assert client.timeout.connect == 1

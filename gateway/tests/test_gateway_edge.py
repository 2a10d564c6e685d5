"""The gateway's edge: body size, Host, and redirects that never show an upstream's address."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from kit_testing import Running

LIMIT = 256 * 1024
CHUNK = 64 * 1024


async def _raw(gateway: Running, request: bytes) -> bytes:
    """Send ``request`` as is and read the answer's head (the connection is then dropped)."""
    host, port = gateway.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    finally:
        writer.close()


async def test_a_declared_40_mb_body_is_refused_before_it_is_sent(start_gateway, probe) -> None:
    app, upstream = probe
    gateway: Running = await start_gateway(service_urls={"orders": upstream.url}, max_body_bytes=LIMIT)
    before = app.sunk
    # Only the head goes out: a gateway that waited for the body would never answer.
    head = await _raw(
        gateway,
        b"POST /orders/sink HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"content-length: 41943040\r\n\r\n",
    )
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"application/problem+json" in head
    assert app.sunk == before  # the upstream saw nothing


async def test_a_chunked_body_is_cut_off_at_the_limit(
    start_gateway, probe, client: httpx.AsyncClient
) -> None:
    app, upstream = probe
    gateway: Running = await start_gateway(service_urls={"orders": upstream.url}, max_body_bytes=LIMIT)
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(640):  # 40 MiB
            sent += CHUNK
            yield b"x" * CHUNK

    before = app.sunk
    response = await client.post(f"{gateway.url}/orders/sink", content=body())
    assert response.status_code == 413
    assert response.json()["code"] == "payload-too-large"
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert app.sunk - before <= LIMIT
    assert sent == 40 * 1024 * 1024  # httpx sends it all before reading; the gateway dropped the rest


async def test_a_body_within_the_limit_goes_through(start_gateway, probe, client: httpx.AsyncClient) -> None:
    _, upstream = probe
    gateway: Running = await start_gateway(service_urls={"orders": upstream.url}, max_body_bytes=LIMIT)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(LIMIT // CHUNK):
            yield b"x" * CHUNK

    assert (await client.post(f"{gateway.url}/orders/sink", content=b"x" * LIMIT)).status_code == 200
    assert (await client.post(f"{gateway.url}/orders/sink", content=body())).status_code == 200


@pytest.mark.parametrize("path", ["/orders/health", "/health", "/docs"])
async def test_a_forged_host_is_refused(gateway: Running, client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(f"{gateway.url}{path}", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "host-not-allowed"
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_the_public_host_and_configured_hosts_are_allowed(
    start_gateway, client: httpx.AsyncClient
) -> None:
    gateway = await start_gateway(
        public_base_url="https://api.panjereh.example", allowed_hosts="127.0.0.1,.internal"
    )
    for host in ("api.panjereh.example", "api.panjereh.example:443", "gw.internal", "127.0.0.1"):
        response = await client.get(f"{gateway.url}/orders/health", headers={"Host": host})
        assert response.status_code == 200, (host, response.text)
    assert (
        await client.get(f"{gateway.url}/orders/health", headers={"Host": "localhost"})
    ).status_code == 400


@pytest.mark.parametrize(
    ("to", "seen"),
    [
        ("{self}/metrics", "https://api.panjereh.example/orders/metrics"),
        ("{self}", "https://api.panjereh.example/orders/"),
        ("{self}/v1/x?y=1", "https://api.panjereh.example/orders/v1/x?y=1"),
        ("/v1/files/1", "https://api.panjereh.example/orders/v1/files/1"),
        ("https://sso.example.ir/authorize?x=1", "https://sso.example.ir/authorize?x=1"),
    ],
)
async def test_an_upstream_redirect_points_at_the_public_base_url(
    start_gateway, probe, client: httpx.AsyncClient, to: str, seen: str
) -> None:
    _, upstream = probe
    gateway = await start_gateway(
        service_urls={"orders": upstream.url}, public_base_url="https://api.panjereh.example"
    )
    response = await client.get(f"{gateway.url}/orders/redirect?to={quote(to)}", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == seen
    assert upstream.url not in response.headers["location"]


async def test_a_real_service_redirect_leaks_no_upstream(gateway: Running, client: httpx.AsyncClient) -> None:
    # FastAPI answers a trailing slash with a redirect built from the upstream's own address.
    response = await client.get(f"{gateway.url}/orders/health/", follow_redirects=False)
    if response.status_code in (307, 308):
        assert response.headers["location"].startswith("http://127.0.0.1:8000/orders/")
    assert "127.0.0.1:80" not in response.headers.get("location", "").removeprefix("http://127.0.0.1:8000")

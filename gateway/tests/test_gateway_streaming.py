"""Bodies stream through the gateway both ways; neither side is buffered whole."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator

import httpx
from kit_testing import Running

CHUNK = 64 * 1024
LARGE = 32 * 1024 * 1024  # a body limit these streaming tests stay under


async def test_a_large_body_goes_up_and_comes_back(start_gateway, probe, client: httpx.AsyncClient) -> None:
    _, upstream = probe
    gateway: Running = await start_gateway(service_urls={"rules": upstream.url}, max_body_bytes=LARGE)
    payload = os.urandom(16 * 1024 * 1024)
    response = await client.post(f"{gateway.url}/rules/echo", content=payload)
    assert response.status_code == 200
    assert len(response.content) == len(payload)
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(payload).digest()


async def test_the_request_body_reaches_the_upstream_while_the_client_still_sends(
    start_gateway, probe, client: httpx.AsyncClient
) -> None:
    app, upstream = probe
    app.first_chunk_seen.clear()
    gateway: Running = await start_gateway(service_urls={"rules": upstream.url}, max_body_bytes=LARGE)
    sent = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        first = os.urandom(CHUNK)
        sent.update(first)
        yield first
        # A gateway that buffered the whole body would never let the upstream see this chunk.
        await asyncio.wait_for(app.first_chunk_seen.wait(), 5)
        for _ in range(64):
            chunk = os.urandom(CHUNK)
            sent.update(chunk)
            yield chunk

    response = await client.post(f"{gateway.url}/rules/echo", content=body())  # chunked upload
    assert response.status_code == 200
    assert hashlib.sha256(response.content).digest() == sent.digest()


async def test_the_answer_reaches_the_client_while_the_upstream_still_sends(
    start_gateway, probe, client: httpx.AsyncClient
) -> None:
    app, upstream = probe
    app.gate.clear()
    gateway: Running = await start_gateway(service_urls={"rules": upstream.url})
    async with client.stream("GET", f"{gateway.url}/rules/gated") as response:
        assert response.status_code == 200
        chunks = response.aiter_raw()
        # The upstream holds the rest back until the client has the first part.
        first = await asyncio.wait_for(anext(chunks), 5)
        assert first == b"first;"
        app.gate.set()
        rest = b"".join([chunk async for chunk in chunks])
    assert rest == b"second"

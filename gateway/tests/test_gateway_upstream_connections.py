"""The upstream client: keep-alive reuse, stale pooled connections, and the ways an answer can be framed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from kit_testing import Running


class StaleAfterOne:
    """Answers the first request on each connection, then closes it at the next without answering:
    what a pooled connection looks like when the upstream dropped it just as the gateway sent on it."""

    def __init__(self) -> None:
        self.connections = 0
        self.answered: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        self.answered.append(head.split(b" ")[0])
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        with contextlib.suppress(asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
        writer.close()


@contextlib.asynccontextmanager
async def raw_server(handler: StaleAfterOne) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_connections_are_kept_alive_and_reused(start_gateway, probe, client: httpx.AsyncClient) -> None:
    app, upstream = probe
    gateway: Running = await start_gateway(service_urls={"orders": upstream.url})
    before = len(app.clients)
    for _ in range(3):
        assert (await client.get(f"{gateway.url}/orders/headers")).status_code == 200
    assert len({port for _, port in app.clients[before:]}) == 1


async def test_a_stale_pooled_connection_is_retried_once_for_a_get(
    start_gateway, client: httpx.AsyncClient
) -> None:
    upstream = StaleAfterOne()
    async with raw_server(upstream) as url:
        gateway: Running = await start_gateway(service_urls={"orders": url})
        assert (await client.get(f"{gateway.url}/orders/a")).status_code == 200
        response = await client.get(f"{gateway.url}/orders/b")
    assert response.status_code == 200
    assert upstream.connections == 2
    assert upstream.answered == [b"GET", b"GET"]


async def test_a_post_is_never_sent_twice(start_gateway, client: httpx.AsyncClient) -> None:
    upstream = StaleAfterOne()
    async with raw_server(upstream) as url:
        gateway: Running = await start_gateway(service_urls={"orders": url})
        assert (await client.post(f"{gateway.url}/orders/a", content=b"{}")).status_code == 200
        response = await client.post(f"{gateway.url}/orders/b", content=b"{}")
    assert response.status_code == 502
    assert response.json()["code"] == "bad-gateway"
    assert upstream.answered == [b"POST"]


async def _one_answer(raw: bytes, start_gateway, client: httpx.AsyncClient) -> httpx.Response:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(raw)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        gateway: Running = await start_gateway(
            service_urls={"orders": f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"}
        )
        return await client.get(f"{gateway.url}/orders/x")
    finally:
        server.close()


async def test_a_chunked_answer(start_gateway, client: httpx.AsyncClient) -> None:
    raw = b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\nx-a: 1\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    response = await _one_answer(raw, start_gateway, client)
    assert response.status_code == 201
    assert response.content == b"hello world"
    assert response.headers["x-a"] == "1"


async def test_an_answer_delimited_by_the_connection_closing(
    start_gateway, client: httpx.AsyncClient
) -> None:
    raw = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end"
    response = await _one_answer(raw, start_gateway, client)
    assert response.status_code == 200
    assert response.content == b"until the end"


async def test_an_interim_1xx_answer_is_skipped(start_gateway, client: httpx.AsyncClient) -> None:
    raw = (
        b"HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody"
    )
    response = await _one_answer(raw, start_gateway, client)
    assert response.status_code == 200
    assert response.content == b"body"


async def test_switching_protocols_is_refused(start_gateway, client: httpx.AsyncClient) -> None:
    raw = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n"
    response = await _one_answer(raw, start_gateway, client)
    assert response.status_code == 502
    assert "switched protocols" in response.json()["detail"]

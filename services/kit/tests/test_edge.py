"""kit.edge: a Host not allowed and a body over the limit are refused before any route runs;
kit.metrics_listener: metrics only on their own port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from kit_testing import app_client
from starlette.types import Receive, Scope, Send

from kit.edge import AllowedHosts, EdgeMiddleware, EdgePolicy
from kit.metrics_listener import metrics_listener

LIMIT = 100_000
CHUNK = 16_384


class Reader:
    """An application that reads the whole body, counting it, then answers 200."""

    def __init__(self) -> None:
        self.read = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        more = True
        while more:
            message = await receive()
            self.read += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read"})


def _client(app: Reader, hosts: tuple[str, ...] = ("testserver",)) -> httpx.AsyncClient:
    edge = EdgeMiddleware(app, EdgePolicy.of(hosts, LIMIT))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=edge), base_url="http://testserver")


class Chunks:
    """A chunked request body of ``count`` chunks, remembering how many were asked for."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            self.sent += 1
            yield b"x" * CHUNK


async def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    app = Reader()
    async with _client(app) as client:
        response = await client.post("/upload", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload-too-large"
    assert app.read == 0


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit() -> None:
    app, body = Reader(), Chunks(2_560)  # 40 MiB
    async with _client(app) as client:
        response = await client.post("/upload", content=body)
    assert response.status_code == 413
    assert response.json()["code"] == "payload-too-large"
    assert app.read <= LIMIT
    assert body.sent <= LIMIT // CHUNK + 2  # the rest was never pulled from the client


async def test_a_body_within_the_limit_passes() -> None:
    app = Reader()
    async with _client(app) as client:
        declared = await client.post("/upload", content=b"x" * LIMIT)
        chunked = await client.post("/upload", content=Chunks(LIMIT // CHUNK))
    assert (declared.status_code, chunked.status_code) == (200, 200)


async def test_a_route_may_take_less_than_the_default() -> None:
    app = Reader()
    policy = EdgePolicy.of(["testserver"], LIMIT, {r"/v1/files/[^/]+/attachments": 1_000})
    edge = EdgeMiddleware(app, policy)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=edge), base_url="http://testserver"
    ) as client:
        upload = await client.post("/v1/files/7/attachments", content=b"x" * 1_001)
        other = await client.post("/v1/files/7", content=b"x" * 1_001)
        nested = await client.post("/v1/files/7/attachments/x", content=b"x" * 1_001)
    assert (upload.status_code, other.status_code, nested.status_code) == (413, 200, 200)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""])
async def test_a_host_not_allowed_is_refused(host: str) -> None:
    app = Reader()
    async with _client(app, ("127.0.0.1", "testserver")) as client:
        response = await client.get("/x", headers={"Host": host})
    assert response.status_code == 400
    assert response.json()["code"] == "host-not-allowed"
    assert app.read == 0


def test_allowed_hosts_match_names_ports_aside() -> None:
    hosts = AllowedHosts(["api.panjereh.ir", ".svc.cluster.local", "::1"])
    assert "api.panjereh.ir:443" in hosts
    assert "API.panjereh.ir" in hosts
    assert "orders.panjereh.svc.cluster.local:8002" in hosts
    assert "[::1]:8000" in hosts
    assert "svc.cluster.local.evil.example" not in hosts
    assert "panjereh.ir" not in hosts
    assert "anything" in AllowedHosts(["*"])


async def test_a_service_refuses_a_large_body_before_authenticating(kit_app: Callable[..., FastAPI]) -> None:
    async with app_client(kit_app(max_body_bytes=1_000)) as client:
        large = await client.post("/widgets", content=b"{" + b" " * 5_000 + b"}")
        small = await client.post("/widgets", json={"name": "x"})
    assert large.status_code == 413, large.text
    assert large.json()["code"] == "payload-too-large"
    assert large.json()["request_id"] == large.headers["x-request-id"]
    assert small.status_code == 401  # within the limit the route runs (and wants a token)


async def test_a_service_refuses_a_host_it_does_not_serve(kit_app: Callable[..., FastAPI]) -> None:
    async with app_client(kit_app(allowed_hosts="orders.internal,testserver")) as client:
        forged = await client.get("/health", headers={"Host": "evil.example"})
        own = await client.get("/health", headers={"Host": "orders.internal:8002"})
    assert forged.status_code == 400
    assert forged.json()["code"] == "host-not-allowed"
    assert own.status_code == 200


async def _get(port: int, target: str) -> tuple[str, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body


async def test_the_metrics_listener_serves_metrics_and_nothing_else() -> None:
    async with metrics_listener("127.0.0.1", 0) as port:
        assert port
        status, body = await _get(port, "/metrics")
        assert status == "HTTP/1.1 200 OK"
        assert b"python_info" in body or b"panjereh_" in body
        assert (await _get(port, "/health"))[0] == "HTTP/1.1 404 Not Found"


async def test_no_metrics_port_no_listener() -> None:
    async with metrics_listener("127.0.0.1", None) as port:
        assert port is None

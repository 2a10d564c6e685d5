"""What the client gets when an upstream is down, slow or broken: problem+json naming the service."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from kit_testing import Running, serve

from gateway.pool import ConnectionPool
from kit.processes import free_port
from rules.main import create_app as create_rules

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_upstream(handler: Handler) -> AsyncIterator[str]:
    """A hand-written HTTP/1.1 server, for answers no well-behaved framework would give."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


def answering(raw: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(raw)
        await writer.drain()
        writer.close()

    return handle


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["request_id"] == response.headers["x-request-id"]
    return problem


async def test_a_stopped_service_is_a_503_naming_it(
    start_gateway, settings_for, services: dict[str, Running], client: httpx.AsyncClient
) -> None:
    rules = await serve(
        create_rules(settings_for("rules", service_urls={"identity": services["identity"].url}))
    )
    gateway: Running = await start_gateway(service_urls={"rules": rules.url})
    assert (await client.get(f"{gateway.url}/rules/health")).status_code == 200  # pools a connection

    await rules.stop()
    response = await client.get(f"{gateway.url}/rules/health")
    problem = assert_problem(response, 503, "service-unavailable")
    assert problem["service"] == "rules"
    assert "rules" in problem["detail"]
    assert problem["instance"] == "/rules/health"

    health = await client.get(f"{gateway.url}/health")
    assert_problem(health, 503, "services-unavailable")
    assert health.json()["services"]["rules"]["status"] == "down"
    assert health.json()["services"]["identity"]["status"] == "up"


async def test_a_service_that_never_listened_is_a_503(start_gateway, client: httpx.AsyncClient) -> None:
    gateway: Running = await start_gateway(service_urls={"transit": f"http://127.0.0.1:{free_port()}"})
    problem = assert_problem(
        await client.post(f"{gateway.url}/transit/v1/anything", content=b"{}"), 503, "service-unavailable"
    )
    assert problem["service"] == "transit"


async def test_a_slow_service_is_a_504(start_gateway, probe, client: httpx.AsyncClient) -> None:
    _, upstream = probe
    gateway: Running = await start_gateway(
        service_urls={"transit": upstream.url}, upstream_timeout_seconds=0.2
    )
    started = time.perf_counter()
    response = await client.get(f"{gateway.url}/transit/slow")
    assert time.perf_counter() - started < 0.9
    problem = assert_problem(response, 504, "upstream-timeout")
    assert problem["service"] == "transit"
    assert "transit" in problem["detail"]


async def test_an_answer_that_is_not_http_is_a_502(start_gateway, client: httpx.AsyncClient) -> None:
    async with raw_upstream(answering(b"SMTP READY\r\n\r\n")) as url:
        gateway: Running = await start_gateway(service_urls={"permits": url})
        assert_problem(await client.get(f"{gateway.url}/permits/x"), 502, "bad-gateway")


async def test_a_connection_closed_before_answering_is_a_502(
    start_gateway, client: httpx.AsyncClient
) -> None:
    async with raw_upstream(answering(b"")) as url:
        gateway: Running = await start_gateway(service_urls={"permits": url})
        assert_problem(await client.get(f"{gateway.url}/permits/x"), 502, "bad-gateway")


async def test_a_body_cut_short_is_not_passed_off_as_complete(
    start_gateway, client: httpx.AsyncClient
) -> None:
    raw = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part"
    async with raw_upstream(answering(raw)) as url:
        gateway: Running = await start_gateway(service_urls={"permits": url})
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"{gateway.url}/permits/x")


async def test_openapi_without_a_service_says_so_and_recovers(
    start_gateway, settings_for, services: dict[str, Running], client: httpx.AsyncClient
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    gateway: Running = await start_gateway(service_urls={"rules": url})
    document = (await client.get(f"{gateway.url}/openapi.json")).json()
    assert document["x-unavailable-services"] == ["rules"]
    assert "/rules/health" not in document["paths"]
    assert "/identity/v1/token" in document["paths"]

    port = int(url.rsplit(":", 1)[1])
    rules = await serve(
        create_rules(settings_for("rules", service_urls={"identity": services["identity"].url})), port=port
    )
    try:
        document = (await client.get(f"{gateway.url}/openapi.json")).json()
    finally:
        await rules.stop()
    assert "x-unavailable-services" not in document
    assert "/rules/health" in document["paths"]


async def test_a_gateway_bug_is_a_500_problem_without_a_trace(
    gateway: Running, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: ConnectionPool) -> None:
        raise RuntimeError("a bug with a secret in it")

    monkeypatch.setattr(ConnectionPool, "acquire", broken)
    response = await client.get(f"{gateway.url}/orders/health")
    problem = assert_problem(response, 500, "internal-error")
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert problem["instance"] == "/orders/health"

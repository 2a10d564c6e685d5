"""The edge, attacked through a real gateway over real HTTP: body size (#5), Host (#7),
rate-limit keys (#9), metrics and upstream addresses (#12)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from kit_testing import Running, serve

from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from gateway.server import uvicorn_options
from kit.edge import DEFAULT_MAX_BODY_BYTES
from kit.runtime import runtime_of
from kit.settings import DEFAULT_PUBLIC_BASE_URL
from tests.conftest import Stack
from tests.test_flow_representation import bearer, ok

FORTY_MB = 40 * 1024 * 1024
CHUNK = 64 * 1024
PART = b'--x\r\ncontent-disposition: form-data; name="file"; filename="a.pdf"\r\ncontent-type: application/pdf\r\n\r\n'
ATTACHMENTS = "/orders/v1/order-files/00000000-0000-0000-0000-000000000000/attachments"


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


async def _head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


async def test_a_declared_40_mb_body_without_a_token_is_refused_before_it_is_read(stack: Stack) -> None:
    reader, writer = await asyncio.open_connection(*_address(stack.gateway))
    try:
        # The head only: a gateway or service that waited for the 40 MB would never answer.
        writer.write(
            f"POST {ATTACHMENTS} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: multipart/form-data; "
            f"boundary=x\r\ncontent-length: {FORTY_MB}\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(_head(reader), 10)
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"application/problem+json" in head


@pytest.mark.parametrize(
    ("path", "content_type", "prologue"),
    [
        (ATTACHMENTS, "multipart/form-data; boundary=x", PART),  # capped at 1 MB + framing
        ("/orders/v1/order-files", "application/json", b""),
        ("/identity/v1/clients", "application/json", b""),
    ],
)
async def test_a_chunked_40_mb_body_without_a_token_is_refused_long_before_its_end(
    stack: Stack, path: str, content_type: str, prologue: bytes
) -> None:
    reader, writer = await asyncio.open_connection(*_address(stack.gateway))
    chunk = b"%x\r\n%b\r\n" % (CHUNK, b"x" * CHUNK)
    sent = 0
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: {content_type}\r\n"
            "transfer-encoding: chunked\r\n\r\n".encode()
            + (b"%x\r\n%b\r\n" % (len(prologue), prologue) if prologue else b"")
        )
        answer = asyncio.create_task(_head(reader))
        while sent < FORTY_MB and not answer.done():
            writer.write(chunk)
            sent += CHUNK
            drained = asyncio.create_task(writer.drain())
            await asyncio.wait({drained, answer}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            if not drained.done():
                drained.cancel()
        head = await asyncio.wait_for(answer, 10)
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 413 "), head
    # Refused at the limit (plus what the socket buffers hold), not after reading all 40 MB.
    assert sent < DEFAULT_MAX_BODY_BYTES + 8 * 1024 * 1024 < FORTY_MB


async def _admin_token(http: httpx.AsyncClient, stack: Stack) -> str:
    token = await http.post(
        "/identity/v1/token", data={"grant_type": "client_credentials"}, auth=stack.admin_credentials
    )
    return str(ok(token)["access_token"])


@pytest.mark.parametrize("path", ["/identity/health", "/health", "/docs", "/orders/v1/order-files"])
async def test_a_forged_host_is_refused(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.json()["code"] == "host-not-allowed"


async def test_links_use_the_configured_base_url_whatever_host_the_caller_names(
    http: httpx.AsyncClient, stack: Stack
) -> None:
    auth = bearer(await _admin_token(http, stack))
    for name in ("edge link one", "edge link two"):
        created = await http.post(
            "/identity/v1/clients", json={"name": name, "scopes": ["clearance-agent"]}, headers=auth
        )
        assert ok(created, 201)
        assert created.headers["location"].startswith(f"{DEFAULT_PUBLIC_BASE_URL}/identity/v1/clients/")
    forged = {
        **auth,
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
        "Forwarded": "host=evil.example",
    }
    page = ok(await http.get("/identity/v1/clients", params={"limit": 1}, headers=forged))
    assert page["next"].startswith(f"{DEFAULT_PUBLIC_BASE_URL}/identity/v1/clients?")
    assert "evil" not in page["next"]


@pytest.fixture
async def limited_gateway(stack: Stack) -> AsyncIterator[str]:
    """A gateway with a small budget in front of the stack's identity, behind a trusted proxy
    (the test) so that two callers can have two addresses."""
    identity_url = runtime_of(stack.apps["orders"]).settings.url_of("identity")
    settings = GatewaySettings(
        service_urls={"identity": identity_url},
        rate_limit="3/minute",
        forwarded_allow_ips="127.0.0.1",
        log_level="WARNING",
    )
    options = uvicorn_options(settings)
    options.pop("loop")
    running: Running = await serve(create_gateway(settings), **options)
    yield running.url
    await running.stop()


async def test_wrong_secrets_and_made_up_client_ids_drain_only_the_callers_address(
    limited_gateway: str, stack: Stack
) -> None:
    form = {"grant_type": "client_credentials"}
    attacker, owner = {"X-Forwarded-For": "203.0.113.9"}, {"X-Forwarded-For": "198.51.100.20"}
    client_id = stack.admin_credentials[0]
    async with httpx.AsyncClient(base_url=limited_gateway, timeout=30) as http:
        statuses = [
            (
                await http.post("/identity/v1/token", data=form, auth=(client_id, "wrong"), headers=attacker)
            ).status_code
            for _ in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
        # The real client, from its own address, still has its whole budget.
        assert (
            await http.post("/identity/v1/token", data=form, auth=stack.admin_credentials, headers=owner)
        ).status_code == 200
        # A fresh client ID per request gets no fresh bucket.
        for _ in range(3):
            made_up = (f"made-up-{secrets.token_hex(4)}", "x")
            response = await http.post("/identity/v1/token", data=form, auth=made_up, headers=attacker)
            assert response.status_code == 429


@pytest.mark.parametrize("path", ["/metrics", "/metrics/"])
async def test_the_gateways_metrics_are_not_public(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path, follow_redirects=False)
    assert response.status_code == 404
    assert "panjereh_http_requests_total" not in response.text


@pytest.mark.parametrize(
    "path", ["/orders/metrics", "/orders/metrics/", "/identity/metrics//", "/rules//metrics"]
)
async def test_a_services_metrics_are_not_forwarded(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers
    assert "panjereh_http_requests_total" not in response.text


async def test_a_service_redirect_names_no_upstream_address(http: httpx.AsyncClient, stack: Stack) -> None:
    identity_url = runtime_of(stack.apps["orders"]).settings.url_of("identity")
    response = await http.get("/identity/health/", follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"] == f"{DEFAULT_PUBLIC_BASE_URL}/identity/health"
    assert identity_url not in response.headers["location"]

"""X-Request-ID: the caller's when well-formed, else minted; sent upstream and returned."""

from __future__ import annotations

import re

import httpx
from kit_testing import Running


async def _through_probe(
    start_gateway, probe, client: httpx.AsyncClient, headers: dict[str, str]
) -> tuple[httpx.Response, dict[str, str]]:
    _, upstream = probe
    gateway: Running = await start_gateway(service_urls={"orders": upstream.url})
    response = await client.get(f"{gateway.url}/orders/headers", headers=headers)
    assert response.status_code == 200
    seen = dict(response.json()["headers"])
    return response, seen


async def test_the_callers_id_reaches_the_upstream_and_comes_back(
    start_gateway, probe, client: httpx.AsyncClient
) -> None:
    response, seen = await _through_probe(start_gateway, probe, client, {"X-Request-ID": "trace-42.a:b"})
    assert seen["x-request-id"] == "trace-42.a:b"
    assert response.headers.get_list("x-request-id") == ["trace-42.a:b"]


async def test_an_id_is_minted_when_absent(start_gateway, probe, client: httpx.AsyncClient) -> None:
    response, seen = await _through_probe(start_gateway, probe, client, {})
    minted = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", minted)
    assert seen["x-request-id"] == minted


async def test_a_malformed_id_is_replaced(start_gateway, probe, client: httpx.AsyncClient) -> None:
    response, seen = await _through_probe(
        start_gateway, probe, client, {"X-Request-ID": "bad id\twith spaces"}
    )
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert seen["x-request-id"] == response.headers["x-request-id"]


async def test_a_real_service_sees_the_same_id(gateway: Running, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{gateway.url}/permits/health", headers={"X-Request-ID": "from-the-client"})
    assert response.headers.get_list("x-request-id") == ["from-the-client"]


async def test_the_gateways_own_answers_carry_it(gateway: Running, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{gateway.url}/nowhere", headers={"X-Request-ID": "own-404"})
    assert response.headers["x-request-id"] == "own-404"
    assert response.json()["request_id"] == "own-404"

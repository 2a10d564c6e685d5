"""Rate limits per client: a verified token's subject, else the address (never unverified credentials)."""

from __future__ import annotations

import secrets
import socket

import httpx
import pytest
from kit_testing import Running

from identity.cli import _create_client


async def _token(identity: Running, credentials: tuple[str, str]) -> str:
    async with httpx.AsyncClient() as http:  # straight to identity: these do not count at the gateway
        response = await http.post(
            f"{identity.url}/v1/token", data={"grant_type": "client_credentials"}, auth=credentials
        )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def _client(settings_for) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    created = await _create_client(settings_for("identity"), "rate test", ["clearance-agent"])
    return created["client_id"], created["client_secret"]


async def test_over_the_limit_is_a_429_with_retry_after(start_gateway, client: httpx.AsyncClient) -> None:
    gateway: Running = await start_gateway(rate_limit="2/minute")
    first = await client.get(f"{gateway.url}/orders/health")
    second = await client.get(f"{gateway.url}/orders/health")
    third = await client.get(f"{gateway.url}/orders/health")

    assert first.status_code == second.status_code == 200
    assert first.headers["ratelimit-limit"] == "2"
    assert first.headers["ratelimit-remaining"] == "1"
    assert second.headers["ratelimit-remaining"] == "0"
    assert 0 < int(first.headers["ratelimit-reset"]) <= 60

    assert third.status_code == 429
    assert third.headers["content-type"] == "application/problem+json"
    assert third.json()["code"] == "rate-limited"
    assert third.json()["request_id"] == third.headers["x-request-id"]
    assert 0 < int(third.headers["retry-after"]) <= 60
    assert third.headers["ratelimit-limit"] == "2"
    assert third.headers["ratelimit-remaining"] == "0"
    assert "ratelimit-reset" in third.headers


async def test_each_token_subject_has_its_own_budget(
    start_gateway, services: dict[str, Running], settings_for, client: httpx.AsyncClient
) -> None:
    gateway: Running = await start_gateway(rate_limit="2/minute")
    alice, bob = await _client(settings_for), await _client(settings_for)
    alice_tokens = [await _token(services["identity"], alice) for _ in range(2)]
    bob_token = await _token(services["identity"], bob)

    def get(token: str | None) -> object:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.get(f"{gateway.url}/orders/health", headers=headers)

    # Two different tokens of one client share its budget: the key is the subject, not the token.
    assert (await get(alice_tokens[0])).status_code == 200
    assert (await get(alice_tokens[1])).status_code == 200
    assert (await get(alice_tokens[0])).status_code == 429
    assert (await get(bob_token)).status_code == 200
    assert (await get(None)).status_code == 200  # the address has its own budget


async def test_an_invalid_token_counts_against_the_address(start_gateway, client: httpx.AsyncClient) -> None:
    gateway: Running = await start_gateway(rate_limit="2/minute")
    for forged in ("not-a-jwt", "a.b.c"):
        response = await client.get(
            f"{gateway.url}/orders/health", headers={"Authorization": f"Bearer {forged}"}
        )
        assert response.status_code == 200
    assert (await client.get(f"{gateway.url}/orders/health")).status_code == 429


async def test_basic_credentials_count_against_the_address_not_the_client_id(
    start_gateway, settings_for, client: httpx.AsyncClient
) -> None:
    # Behind a trusted proxy (here: the test itself) so two callers can have two addresses.
    gateway: Running = await start_gateway(rate_limit="2/minute", forwarded_allow_ips="127.0.0.1")
    alice = await _client(settings_for)
    url = f"{gateway.url}/identity/v1/token"
    form = {"grant_type": "client_credentials"}
    attacker, owner = {"X-Forwarded-For": "203.0.113.66"}, {"X-Forwarded-For": "198.51.100.7"}

    # A wrong secret for alice's client ID drains the attacker's address, not alice's quota.
    for _ in range(2):
        assert (
            await client.post(url, data=form, auth=(alice[0], "wrong"), headers=attacker)
        ).status_code == 401
    assert (await client.post(url, data=form, auth=(alice[0], "wrong"), headers=attacker)).status_code == 429
    assert (await client.post(url, data=form, auth=alice, headers=owner)).status_code == 200

    # A fresh client ID per request opens no fresh bucket.
    for _ in range(3):
        fresh = (f"made-up-{secrets.token_hex(4)}", "x")
        assert (await client.post(url, data=form, auth=fresh, headers=attacker)).status_code == 429


def _redis_up() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
async def test_limits_kept_in_redis(start_gateway, client: httpx.AsyncClient) -> None:
    # Its own counters: the machine's Redis is shared with other runs.
    gateway: Running = await start_gateway(
        rate_limit="2/minute",
        redis_url="redis://127.0.0.1:6379/0",
        rate_limit_key_prefix=f"panjereh-test-{secrets.token_hex(4)}",
    )
    url = f"{gateway.url}/identity/v1/token"
    statuses = [(await client.post(url, data={}, auth=("any", "x"))).status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert statuses[:2] != [429, 429]


async def test_a_storage_outage_lets_requests_through(start_gateway, client: httpx.AsyncClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    gateway: Running = await start_gateway(
        rate_limit="1/minute", redis_url=f"redis://127.0.0.1:{closed_port}/0"
    )
    for _ in range(2):
        response = await client.get(f"{gateway.url}/orders/health")
        assert response.status_code == 200
        assert "ratelimit-limit" not in response.headers

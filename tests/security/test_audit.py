"""The security audit log through the gateway: a login, a grant, an acting-for token exchange
and an order approval each appear in the admin query of their service, with the caller's
address and the X-Request-ID the caller sent; other callers are refused; nothing is altered."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from identity_testing.parties import make_user, token_for
from identity_testing.representation import grant, grant_body
from orders_testing import files as f
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kit.runtime import runtime_of
from tests.conftest import Stack
from tests.test_flow_representation import ACCESS_TOKEN, REPRESENTATION, TOKEN_EXCHANGE, bearer, ok, register

CALLER_ADDRESS = "127.0.0.1"  # every test client calls from here


def _rid(what: str) -> str:
    return f"audit-{what}-{uuid.uuid4().hex}"


@pytest.fixture
async def admin(http: httpx.AsyncClient, stack: Stack) -> dict[str, str]:
    issued = ok(
        await http.post(
            "/identity/v1/token", data={"grant_type": "client_credentials"}, auth=stack.admin_credentials
        )
    )
    return bearer(issued["access_token"])


@pytest.fixture
async def identity_http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stack.gateway}/identity", timeout=30) as client:
        yield client


@pytest.fixture
async def orders_http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stack.gateway}/orders", timeout=30) as client:
        yield client


async def _only_event(
    http: httpx.AsyncClient, service: str, admin: dict[str, str], rid: str, action: str
) -> dict[str, Any]:
    """The one ``action`` of the request ``rid``, with the caller's address."""
    params = {"request_id": rid, "action": action}
    page = ok(await http.get(f"/{service}/v1/audit-events", params=params, headers=admin))
    assert len(page["items"]) == 1, page
    event: dict[str, Any] = page["items"][0]
    assert event["request_id"] == rid
    assert event["source_address"] == CALLER_ADDRESS
    assert event["outcome"] == "success"
    return event


async def test_login_grant_exchange_and_approval_are_in_the_admin_query(
    stack: Stack,
    http: httpx.AsyncClient,
    identity_http: httpx.AsyncClient,
    orders_http: httpx.AsyncClient,
    admin: dict[str, str],
) -> None:
    identity_app = stack.apps["identity"]

    # A login.
    person = await register(http)
    rid_login = _rid("login")
    ok(
        await http.post(
            "/identity/v1/login",
            json={"national_code": person["national_code"], "password": person["password"]},
            headers={"X-Request-ID": rid_login},
        )
    )
    login = await _only_event(http, "identity", admin, rid_login, "login")
    assert login["actor"] == person["subject"]

    # A grant, accepted, and the agent's token exchange for it.
    merchant = await f.merchant(identity_app, signing=True)
    agent = await make_user(identity_app)
    rid_grant = _rid("grant")
    created = await grant(
        identity_http,
        await token_for(identity_app, merchant.party),
        merchant.key,
        grant_body(agent),
        headers={"X-Request-ID": rid_grant},
    )
    assert created.status_code == 201, created.text
    grant_id = created.json()["id"]
    granted = await _only_event(http, "identity", admin, rid_grant, "representation.granted")
    assert granted["object_id"] == grant_id
    assert granted["actor"] == f"user:{merchant.party.id}"

    agent_token = await token_for(identity_app, agent)
    ok(await identity_http.post(f"/v1/representations/{grant_id}/accept", headers=bearer(agent_token)))
    rid_exchange = _rid("exchange")
    ok(
        await identity_http.post(
            "/v1/token",
            data={
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": grant_id,
                "subject_token_type": REPRESENTATION,
                "actor_token": agent_token,
                "actor_token_type": ACCESS_TOKEN,
            },
            headers={"X-Request-ID": rid_exchange},
        )
    )
    exchanged = await _only_event(http, "identity", admin, rid_exchange, "token.exchange")
    assert exchanged["actor"] == f"user:{agent.id}"
    assert exchanged["on_behalf_of"] == f"user:{merchant.party.id}"

    # An officer's approval of an order file.
    fida = await f.seller(orders_http, admin)
    file = await f.under_review(orders_http, merchant, fida)
    officer = await f.officer(identity_app)
    rid_approval = _rid("approval")
    ok(
        await orders_http.post(
            f"/v1/order-files/{file['id']}/approve", headers={**officer.headers, "X-Request-ID": rid_approval}
        )
    )
    approval = await _only_event(http, "orders", admin, rid_approval, "order-file.approved")
    assert approval["object_id"] == file["id"]
    assert approval["actor"] == f"user:{officer.party.id}"


@pytest.mark.parametrize("service", ["identity", "orders"])
async def test_only_an_admin_reads_the_log(stack: Stack, http: httpx.AsyncClient, service: str) -> None:
    path = f"/{service}/v1/audit-events"
    assert (await http.get(path)).status_code == 401
    user = bearer(await token_for(stack.apps["identity"], await make_user(stack.apps["identity"])))
    refused = await http.get(path, headers=user)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


@pytest.mark.parametrize("service", ["identity", "orders"])
async def test_nothing_alters_the_log(
    stack: Stack, http: httpx.AsyncClient, admin: dict[str, str], service: str
) -> None:
    events = ok(await http.get(f"/{service}/v1/audit-events", params={"limit": 1}, headers=admin))["items"]
    assert events, "the log has entries to attack"
    for method in ("PUT", "PATCH", "DELETE"):
        for path in (f"/{service}/v1/audit-events", f"/{service}/v1/audit-events/{events[0]['id']}"):
            answer = await http.request(method, path, headers=admin, json={"actor": "user:nobody"})
            assert answer.status_code in (404, 405), (method, path, answer.status_code)
    # Nor can the service's own database role.
    async with runtime_of(stack.apps[service]).sessionmaker() as session:
        for statement in (
            f"UPDATE {service}.audit_log SET actor = 'user:nobody'",
            f"DELETE FROM {service}.audit_log",
            f"TRUNCATE {service}.audit_log",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
            await session.rollback()
    again = ok(await http.get(f"/{service}/v1/audit-events", params={"limit": 1}, headers=admin))["items"]
    assert again == events

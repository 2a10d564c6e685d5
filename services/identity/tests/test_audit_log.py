"""identity's security audit log: tokens, exchanges, grants and admin acts recorded with who,
for whom, from where and in which request; refusals too; queried by admins only; unalterable."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import acting_for_token, exchange
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from identity.models import Party
from kit.clock import today_tehran
from kit.runtime import runtime_of


@pytest.fixture
async def admin(client: httpx.AsyncClient, admin_credentials: tuple[str, str]) -> dict[str, str]:
    response = await client.post(
        "/v1/token", data={"grant_type": "client_credentials"}, auth=admin_credentials
    )
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def _events(client: httpx.AsyncClient, admin: dict[str, str], **filters: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/audit-events", params=filters, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _merchant(app: FastAPI) -> Party:
    return await make_user(
        app, roles=("base-natural", "merchant"), card_expires_on=today_tehran() + timedelta(days=365)
    )


def _rid() -> str:
    return f"t-{uuid.uuid4().hex}"


async def test_a_machine_token_and_its_refusal_are_recorded(
    client: httpx.AsyncClient, admin_credentials: tuple[str, str], admin: dict[str, str]
) -> None:
    client_id, secret = admin_credentials
    rid = _rid()
    issued = await client.post(
        "/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        headers={"X-Request-ID": rid, "User-Agent": "agency-software/2"},
    )
    assert issued.status_code == 200
    (event,) = await _events(client, admin, request_id=rid)
    assert event["actor"] == f"client:{client_id}"
    assert (event["action"], event["object_type"], event["object_id"]) == (
        "token.client-credentials",
        "client",
        client_id,
    )
    assert event["outcome"] == "success"
    assert event["source_address"] == "127.0.0.1"
    assert event["user_agent"] == "agency-software/2"

    rid = _rid()
    refused = await client.post(
        "/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, "wrong-secret"),
        headers={"X-Request-ID": rid},
    )
    assert refused.status_code == 401
    (event,) = await _events(client, admin, request_id=rid)
    assert event["outcome"] == "refused"
    assert event["actor"] == "anonymous", "a wrong secret proves no identity"
    assert event["object_id"] == client_id
    assert event["details"]["error"] == refused.json()["code"]


async def test_grant_acceptance_and_exchange_are_recorded(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    grantor, agent = await _merchant(app), await make_user(app)
    _, grant_id = await acting_for_token(app, client, grantor, agent)
    events = await _events(client, admin, object_type="representation", object_id=grant_id)
    assert [(e["action"], e["actor"]) for e in events] == [
        ("representation.granted", f"user:{grantor.id}"),
        ("representation.accepted", f"user:{agent.id}"),
        ("token.exchange", f"user:{agent.id}"),
    ]
    exchanged = events[-1]
    assert exchanged["on_behalf_of"] == f"user:{grantor.id}"
    assert exchanged["outcome"] == "success"
    assert exchanged["details"]["act"] == {"sub": f"user:{agent.id}"}
    assert all(e["source_address"] == "127.0.0.1" and e["request_id"] for e in events)

    # A stranger's exchange for that grant: refused, and recorded with who tried.
    stranger = await make_user(app)
    rid = _rid()
    client.headers["X-Request-ID"] = rid
    try:
        refused = await exchange(client, grant_id, await token_for(app, stranger))
    finally:
        del client.headers["X-Request-ID"]
    assert refused.status_code == 400
    (event,) = await _events(client, admin, request_id=rid)
    assert (event["actor"], event["action"], event["outcome"]) == (
        f"user:{stranger.id}",
        "token.exchange",
        "refused",
    )
    assert event["object_id"] == grant_id


async def test_admin_acts_are_recorded(
    client: httpx.AsyncClient, admin: dict[str, str], admin_credentials: tuple[str, str]
) -> None:
    created = await client.post(
        "/v1/clients", json={"name": "Audited agency", "scopes": ["clearance-agent"]}, headers=admin
    )
    assert created.status_code == 201, created.text
    client_id = created.json()["client_id"]
    disabled = await client.post(f"/v1/clients/{client_id}/disable", headers=admin)
    assert disabled.status_code == 200
    events = await _events(client, admin, object_type="client", object_id=client_id)
    assert [e["action"] for e in events] == ["client.created", "client.disabled"]
    assert {e["actor"] for e in events} == {f"client:{admin_credentials[0]}"}


async def test_filters_and_paging(app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    grantor = await _merchant(app)
    agents = [await make_user(app) for _ in range(3)]
    for agent in agents:
        await acting_for_token(app, client, grantor, agent)
    mine = await _events(client, admin, actor=f"user:{grantor.id}", action="representation.granted")
    assert len(mine) == 3
    exchanges = await _events(client, admin, on_behalf_of=f"user:{grantor.id}", action="token.exchange")
    assert [e["actor"] for e in exchanges] == [f"user:{a.id}" for a in agents]

    seen: list[int] = []
    url: str | None = "/v1/audit-events"
    params: dict[str, Any] | None = {"on_behalf_of": f"user:{grantor.id}", "limit": 1}
    while url:
        page = (await client.get(url, params=params, headers=admin)).json()
        seen += [e["id"] for e in page["items"]]
        url, params = page["next"], None
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 3


async def test_only_admins_query(app: FastAPI, client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/audit-events")).status_code == 401
    user_token = await token_for(app, await make_user(app))
    assert (await client.get("/v1/audit-events", headers=bearer(user_token))).status_code == 403


async def test_the_log_cannot_be_altered(app: FastAPI) -> None:
    async with runtime_of(app).sessionmaker() as session:
        for statement in (
            "UPDATE identity.audit_log SET actor = 'user:nobody'",
            "DELETE FROM identity.audit_log",
            "TRUNCATE identity.audit_log",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
            await session.rollback()

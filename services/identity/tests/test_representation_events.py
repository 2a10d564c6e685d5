"""identity's representation events as its feed (`GET /v1/events`) serves them: one per change,
each the grantor's with the representative in its data, no scope or office, its data exactly
its catalogued model (panjereh_contract.event_types); the expiry task announces each accepted
grant past its end once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import grant, grant_body, signing_key
from sqlalchemy import select, update

from identity.cli import _create_client
from identity.representations import expiry
from identity.representations.models import Representation
from identity.representations.service import expire_due
from kit.clock import today_tehran
from kit.runtime import runtime_of, state_of
from panjereh_contract.event_types import RepresentationData, parse_data

TODAY = today_tehran()


@pytest.fixture(scope="module")
async def reader(settings_for, client: httpx.AsyncClient) -> dict[str, str]:  # type: ignore[no-untyped-def]
    created = await _create_client(settings_for("identity"), "feed reader", ["events:read"])
    token = await client.post(
        "/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _feed(client: httpx.AsyncClient, reader: dict[str, str], grant_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = await client.get("/v1/events", params={"after": after} if after else {}, headers=reader)
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        if not items:
            return [e for e in events if e["object"]["id"] == grant_id]
        events += items
        after = page.json()["next"]


class Sides:
    async def setup(self, app: FastAPI, client: httpx.AsyncClient) -> Sides:
        self.client = client
        self.merchant = await make_user(
            app=app, roles=("base-natural", "merchant"), card_expires_on=TODAY + timedelta(days=365)
        )
        self.agent = await make_user(app)
        self.merchant_token = await token_for(app, self.merchant)
        self.agent_token = await token_for(app, self.agent)
        self.key = await signing_key(app, self.merchant)
        return self

    async def grant(self) -> str:
        response = await grant(self.client, self.merchant_token, self.key, grant_body(self.agent))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def act(self, grant_id: str, action: str, token: str) -> None:
        response = await self.client.post(f"/v1/representations/{grant_id}/{action}", headers=bearer(token))
        assert response.status_code == 200, response.text


def _check(event: dict[str, Any], sides: Sides, grant_id: str, state: str) -> RepresentationData:
    data = parse_data(event["type"], event["data"])
    assert isinstance(data, RepresentationData)
    assert data.representation_id == grant_id
    assert data.state == state
    assert data.grantor == f"user:{sides.merchant.id}"
    assert data.representative == f"user:{sides.agent.id}"
    assert event["subject"] == f"user:{sides.merchant.id}"
    assert event["object"] == {
        "kind": "representation",
        "id": grant_id,
        "url": f"/identity/v1/representations/{grant_id}",
    }
    assert event["scope"] is None
    assert event["office"] is None
    return data


async def test_granted_accepted_revoked_and_rejected_in_the_feed(
    app: FastAPI, client: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    sides = await Sides().setup(app, client)
    kept = await sides.grant()
    await sides.act(kept, "accept", sides.agent_token)
    await sides.act(kept, "revoke", sides.merchant_token)
    events = await _feed(client, reader, kept)
    assert [e["type"] for e in events] == [
        "identity.representation.granted",
        "identity.representation.accepted",
        "identity.representation.revoked",
    ]
    for event, state in zip(events, ("pending", "accepted", "revoked"), strict=True):
        _check(event, sides, kept, state)

    refused = await sides.grant()
    await sides.act(refused, "reject", sides.agent_token)
    events = await _feed(client, reader, refused)
    assert [e["type"] for e in events] == [
        "identity.representation.granted",
        "identity.representation.rejected",
    ]
    _check(events[1], sides, refused, "rejected")


async def _lapse(app: FastAPI, grant_id: str) -> None:
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(Representation)
            .where(Representation.id == uuid.UUID(grant_id))
            .values(starts_on=TODAY - timedelta(days=10), ends_on=TODAY - timedelta(days=1))
        )


async def test_the_expiry_task_announces_each_lapsed_accepted_grant_once(
    app: FastAPI, client: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    sides = await Sides().setup(app, client)
    lapsed, current, unanswered, revoked = [await sides.grant() for _ in range(4)]
    for grant_id in (lapsed, current, revoked):
        await sides.act(grant_id, "accept", sides.agent_token)
    await sides.act(revoked, "revoke", sides.merchant_token)
    for grant_id in (lapsed, unanswered, revoked):
        await _lapse(app, grant_id)

    # Ends today: still active (Asia/Tehran), not announced.
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(Representation).where(Representation.id == uuid.UUID(current)).values(ends_on=TODAY)
        )

    assert await expiry.run_once(state_of(app)) >= 1
    assert await expiry.run_once(state_of(app)) == 0  # once per grant
    async with runtime_of(app).sessionmaker() as session, session.begin():
        assert await expire_due(session) == 0
        marked = await session.scalar(
            select(Representation.expiry_published_at).where(Representation.id == uuid.UUID(lapsed))
        )
    assert marked is not None

    events = await _feed(client, reader, lapsed)
    assert [e["type"] for e in events] == [
        "identity.representation.granted",
        "identity.representation.accepted",
        "identity.representation.expired",
    ]
    _check(events[-1], sides, lapsed, "accepted")
    for grant_id in (current, unanswered, revoked):
        types = [e["type"] for e in await _feed(client, reader, grant_id)]
        assert "identity.representation.expired" not in types, grant_id

    # The next day the grant that ended today has lapsed too: announced then, once.
    async with runtime_of(app).sessionmaker() as session, session.begin():
        assert await expire_due(session, TODAY + timedelta(days=1)) >= 1
        assert await expire_due(session, TODAY + timedelta(days=1)) == 0
    types = [e["type"] for e in await _feed(client, reader, current)]
    assert types.count("identity.representation.expired") == 1

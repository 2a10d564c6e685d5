"""The life of a grant: accept, reject, revoke, expire; who may do what; history, lists and events."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from identity_testing.parties import bearer, make_legal, make_user, token_for
from identity_testing.representation import grant, grant_body, signing_key
from sqlalchemy import select, update

from identity.accounts.models import Party
from identity.models import outbox_events
from identity.representations.models import Representation
from identity.representations.service import status_of
from kit.clock import today_tehran
from kit.runtime import runtime_of

TODAY = today_tehran()
CARD_EXPIRES = TODAY + timedelta(days=365)


class World:
    """A merchant, an agent, a stranger and their tokens."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client

    async def setup(self) -> World:
        self.merchant = await make_user(
            app=self.app, roles=("base-natural", "merchant"), card_expires_on=CARD_EXPIRES
        )
        self.agent = await make_user(self.app)
        self.stranger = await make_user(self.app)
        self.merchant_token = await token_for(self.app, self.merchant)
        self.agent_token = await token_for(self.app, self.agent)
        self.stranger_token = await token_for(self.app, self.stranger)
        self.key = await signing_key(self.app, self.merchant)
        return self

    async def grant(self, representative: Party | None = None, **body: Any) -> str:
        response = await grant(
            self.client, self.merchant_token, self.key, grant_body(representative or self.agent, **body)
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def act(self, grant_id: str, action: str, token: str, **kwargs: Any) -> httpx.Response:
        return await self.client.post(
            f"/v1/representations/{grant_id}/{action}", headers=bearer(token), **kwargs
        )


async def _world(app: FastAPI, client: httpx.AsyncClient) -> World:
    return await World(app, client).setup()


async def _events(app: FastAPI, grant_id: str) -> list[Any]:
    async with runtime_of(app).sessionmaker() as session:
        rows = await session.execute(
            select(outbox_events).where(outbox_events.c.subject == grant_id).order_by(outbox_events.c.id)
        )
        return list(rows)


async def _set_dates(app: FastAPI, grant_id: str, starts_on: date, ends_on: date) -> None:
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(Representation)
            .where(Representation.id == uuid.UUID(grant_id))
            .values(starts_on=starts_on, ends_on=ends_on)
        )


async def test_accept_makes_it_active_and_tells_the_services(app: FastAPI, client: httpx.AsyncClient) -> None:
    w = await _world(app, client)
    grant_id = await w.grant()
    # The grantor cannot accept for the representative; a stranger does not see the grant.
    refused = await w.act(grant_id, "accept", w.merchant_token)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not-the-representative"
    hidden = await w.act(grant_id, "accept", w.stranger_token)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "representation-not-found"
    assert [e.topic for e in await _events(app, grant_id)] == ["representation.granted"]

    accepted = await w.act(grant_id, "accept", w.agent_token)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "active"
    assert accepted.json()["decided_at"] is not None
    [_, event] = await _events(app, grant_id)
    assert event.topic == "representation.accepted"
    assert event.payload["representative"] == f"user:{w.agent.id}"
    assert event.payload["grantor"] == f"user:{w.merchant.id}"

    again = await w.act(grant_id, "accept", w.agent_token)
    assert again.status_code == 409
    assert again.json()["code"] == "representation-not-pending"
    rejected_late = await w.act(grant_id, "reject", w.agent_token)
    assert rejected_late.status_code == 409


async def test_reject_with_a_reason_ends_it(app: FastAPI, client: httpx.AsyncClient) -> None:
    w = await _world(app, client)
    grant_id = await w.grant()
    refused = await w.act(grant_id, "reject", w.merchant_token, json={"reason": "changed my mind"})
    assert refused.status_code == 403
    rejected = await w.act(grant_id, "reject", w.agent_token, json={"reason": "not my field"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert (await w.act(grant_id, "accept", w.agent_token)).status_code == 409
    revoke = await w.act(grant_id, "revoke", w.merchant_token)
    assert revoke.status_code == 409
    assert revoke.json()["code"] == "representation-not-revocable"
    history = await client.get(f"/v1/representations/{grant_id}/history", headers=bearer(w.agent_token))
    assert [(e["event"], e["actor"], e["reason"]) for e in history.json()["items"]] == [
        ("granted", f"user:{w.merchant.id}", None),
        ("rejected", f"user:{w.agent.id}", "not my field"),
    ]
    assert [e.topic for e in await _events(app, grant_id)] == [
        "representation.granted",
        "representation.rejected",
    ]


async def test_reject_without_a_body_and_bad_reasons(app: FastAPI, client: httpx.AsyncClient) -> None:
    w = await _world(app, client)
    grant_id = await w.grant()
    bad = await w.act(grant_id, "reject", w.agent_token, json={"reason": "x" * 501})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/body/reason"
    assert (await w.act(grant_id, "reject", w.agent_token)).json()["status"] == "rejected"


async def test_revoke_only_by_the_grantor_writes_the_outbox_event(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    w = await _world(app, client)
    grant_id = await w.grant(access_level="limited")
    assert (await w.act(grant_id, "accept", w.agent_token)).status_code == 200

    by_agent = await w.act(grant_id, "revoke", w.agent_token)
    assert by_agent.status_code == 403
    assert by_agent.json()["code"] == "not-the-grantor"
    by_stranger = await w.act(grant_id, "revoke", w.stranger_token)
    assert by_stranger.status_code == 404
    assert [e.topic for e in await _events(app, grant_id)] == [
        "representation.granted",
        "representation.accepted",
    ]

    revoked = await w.act(grant_id, "revoke", w.merchant_token, json={"reason": "contract ended"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_at"] is not None
    events = await _events(app, grant_id)
    assert [e.topic for e in events] == [
        "representation.granted",
        "representation.accepted",
        "representation.revoked",
    ]
    payload = events[2].payload
    assert payload["representation_id"] == grant_id
    assert payload["state"] == "revoked"
    assert payload["grantor"] == f"user:{w.merchant.id}"
    assert payload["representative"] == f"user:{w.agent.id}"
    assert payload["access_level"] == "limited"
    assert payload["scopes"] == ["foreign-trade", "currency"]
    assert events[2].request_id is not None

    again = await w.act(grant_id, "revoke", w.merchant_token)
    assert again.status_code == 409
    assert len(await _events(app, grant_id)) == 3
    history = await client.get(f"/v1/representations/{grant_id}/history", headers=bearer(w.merchant_token))
    items = history.json()["items"]
    assert [e["event"] for e in items] == ["granted", "accepted", "revoked"]
    assert items[2]["reason"] == "contract ended"
    assert all(e["request_id"] for e in items)


async def test_a_pending_grant_can_be_revoked(app: FastAPI, client: httpx.AsyncClient) -> None:
    w = await _world(app, client)
    grant_id = await w.grant()
    assert (await w.act(grant_id, "revoke", w.merchant_token)).json()["status"] == "revoked"
    assert (await w.act(grant_id, "accept", w.agent_token)).status_code == 409
    assert [e.topic for e in await _events(app, grant_id)] == [
        "representation.granted",
        "representation.revoked",
    ]


async def test_statuses_follow_the_dates(app: FastAPI, client: httpx.AsyncClient) -> None:
    w = await _world(app, client)
    later = await w.grant(starts_on=TODAY + timedelta(days=3))
    accepted = await w.act(later, "accept", w.agent_token)
    assert accepted.json()["status"] == "scheduled"

    ended = await w.grant()
    assert (await w.act(ended, "accept", w.agent_token)).status_code == 200
    await _set_dates(app, ended, TODAY - timedelta(days=10), TODAY - timedelta(days=1))
    read = await client.get(f"/v1/representations/{ended}", headers=bearer(w.agent_token))
    assert read.json()["status"] == "expired"
    assert (await w.act(ended, "revoke", w.merchant_token)).status_code == 409

    unanswered = await w.grant()
    await _set_dates(app, unanswered, TODAY - timedelta(days=10), TODAY - timedelta(days=1))
    expired = await client.get(
        "/v1/representations", params={"side": "received", "status": "expired"}, headers=bearer(w.agent_token)
    )
    assert sorted(item["id"] for item in expired.json()["items"]) == sorted([ended, unanswered])
    pending = await client.get(
        "/v1/representations", params={"side": "received", "status": "pending"}, headers=bearer(w.agent_token)
    )
    assert pending.json()["items"] == []
    late = await w.act(unanswered, "accept", w.agent_token)
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]


def test_status_of_each_state_and_date() -> None:
    def grant(state: str, starts: int, ends: int) -> Representation:
        return Representation(
            state=state, starts_on=TODAY + timedelta(days=starts), ends_on=TODAY + timedelta(days=ends)
        )

    cases = [
        (grant("pending", 0, 5), "pending"),
        (grant("pending", 2, 5), "pending"),
        (grant("pending", -5, -1), "expired"),
        (grant("accepted", 1, 5), "scheduled"),
        (grant("accepted", 0, 0), "active"),
        (grant("accepted", -5, 0), "active"),
        (grant("accepted", -5, -1), "expired"),
        (grant("rejected", -5, -1), "rejected"),
        (grant("revoked", 0, 5), "revoked"),
        (grant("revoked", -5, -1), "revoked"),
    ]
    assert [status_of(g, TODAY).value for g, _ in cases] == [expected for _, expected in cases]


async def test_only_the_two_sides_read_a_grant(app: FastAPI, client: httpx.AsyncClient) -> None:
    w = await _world(app, client)
    grant_id = await w.grant()
    for token in (w.merchant_token, w.agent_token):
        read = await client.get(f"/v1/representations/{grant_id}", headers=bearer(token))
        assert read.status_code == 200
        assert read.json()["id"] == grant_id
        history = await client.get(f"/v1/representations/{grant_id}/history", headers=bearer(token))
        assert history.status_code == 200
    for path in (f"/v1/representations/{grant_id}", f"/v1/representations/{grant_id}/history"):
        hidden = await client.get(path, headers=bearer(w.stranger_token))
        assert hidden.status_code == 404
    unknown = await client.get(f"/v1/representations/{uuid.uuid4()}", headers=bearer(w.merchant_token))
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == hidden.json()["detail"]  # existence is not revealed
    bad_id = await client.get("/v1/representations/not-a-uuid", headers=bearer(w.merchant_token))
    assert bad_id.status_code == 422


async def test_lists_by_side_and_status_with_pages(app: FastAPI, client: httpx.AsyncClient) -> None:
    w = await _world(app, client)
    first, second, third = (
        await w.grant(),
        await w.grant(),
        await w.grant(starts_on=TODAY + timedelta(days=1)),
    )
    other_agent = await make_user(app)
    fourth = await w.grant(other_agent)
    await w.act(first, "accept", w.agent_token)
    await w.act(second, "reject", w.agent_token)
    await w.act(third, "accept", w.agent_token)

    async def ids(token: str, **params: Any) -> list[str]:
        response = await client.get("/v1/representations", params=params, headers=bearer(token))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    granted = await ids(w.merchant_token, side="granted")
    assert sorted(granted) == sorted([first, second, third, fourth])
    assert sorted(await ids(w.agent_token, side="received")) == sorted([first, second, third])
    assert await ids(w.agent_token, side="granted") == []
    assert await ids(w.stranger_token, side="received") == []
    assert await ids(w.merchant_token, side="granted", status="active") == [first]
    assert await ids(w.merchant_token, side="granted", status="rejected") == [second]
    assert await ids(w.merchant_token, side="granted", status="scheduled") == [third]
    assert await ids(w.merchant_token, side="granted", status="pending") == [fourth]
    assert await ids(w.merchant_token, side="granted", status="revoked") == []

    pages: list[str] = []
    url: str | None = "/v1/representations?side=granted&limit=3"
    while url:
        page = (await client.get(url, headers=bearer(w.merchant_token))).json()
        assert len(page["items"]) <= 3
        pages += [item["id"] for item in page["items"]]
        url = page["next"]
    assert pages == granted

    for params in (
        {},
        {"side": "both"},
        {"side": "granted", "status": "done"},
        {"side": "granted", "limit": 0},
    ):
        bad = await client.get("/v1/representations", params=params, headers=bearer(w.merchant_token))
        assert bad.status_code == 422, params
    bad_cursor = await client.get(
        "/v1/representations", params={"side": "granted", "cursor": "zzz"}, headers=bearer(w.merchant_token)
    )
    assert bad_cursor.status_code == 400


async def test_a_manager_answers_for_a_legal_representative(app: FastAPI, client: httpx.AsyncClient) -> None:
    w = await _world(app, client)
    manager = await make_user(app)
    agency = await make_legal(app, manager)
    manager_token = await token_for(app, manager)
    grant_id = await w.grant(agency)
    received = await client.get(
        "/v1/representations", params={"side": "received"}, headers=bearer(manager_token)
    )
    assert [item["id"] for item in received.json()["items"]] == [grant_id]
    assert (await w.act(grant_id, "accept", w.stranger_token)).status_code == 404
    accepted = await w.act(grant_id, "accept", manager_token)
    assert accepted.status_code == 200, accepted.text
    history = await client.get(f"/v1/representations/{grant_id}/history", headers=bearer(manager_token))
    assert history.json()["items"][1] == {
        **history.json()["items"][1],
        "event": "accepted",
        "actor": f"user:{manager.id}",
        "on_behalf_of": f"legal:{agency.id}",
    }


async def test_acting_for_and_machine_tokens_cannot_manage_grants(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> None:
    w = await _world(app, client)
    grant_id = await w.grant()
    acting_for = await token_for(app, w.agent, act={"sub": f"user:{uuid.uuid4()}"}, access_level="full")
    for token in (acting_for, admin_token):
        for action in ("accept", "reject", "revoke"):
            response = await w.act(grant_id, action, token)
            assert response.status_code == 403, response.text
            assert response.json()["code"] == "user-token-required"
        listed = await client.get("/v1/representations", params={"side": "received"}, headers=bearer(token))
        assert listed.status_code == 403
    anonymous = await client.post(f"/v1/representations/{grant_id}/accept")
    assert anonymous.status_code == 401
    async with runtime_of(app).sessionmaker() as session:
        stored = await session.get(Representation, uuid.UUID(grant_id))
        assert stored is not None
        assert stored.state == "pending"

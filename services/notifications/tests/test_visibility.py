"""Who sees what, end to end with identity over real HTTP: an event reaches a subscription by
its owner's own object, by an officer's office, or by a representation grant active today whose
role, scopes and level cover the event; never otherwise, and ``still_visible`` drops a queued
message once the grant is revoked."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_client.client import IdentityClient
from identity_client.representations import ActiveGrant
from identity_testing.app import machine_client
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import acting_for_token
from kit_testing import Running
from sqlalchemy import select

from kit.runtime import state_of
from notifications.events.service import patterns_naming, receiver
from notifications.feed_token import FeedToken
from notifications.messages.models import Message
from notifications.state import NotificationsState
from notifications.visibility import GrantSource, PageGrants, still_visible
from panjereh_contract.event_types import event_types, matches
from panjereh_contract.events import EventObject, FeedEvent

MIMT = {"kind": "issuing-authority", "code": "mimt"}


class CountingIdentity(IdentityClient):
    """identity's client, counting the calls for active grants."""

    calls: int = 0

    async def active_grants(self, token: str, grantors: list[str]) -> list[ActiveGrant]:
        self.calls += 1
        return await super().active_grants(token, grantors)


@pytest.fixture
async def grants(
    settings_for,  # type: ignore[no-untyped-def]
    identity_server: Running,
    notifications_app: FastAPI,
    notifications_api: httpx.AsyncClient,
) -> AsyncIterator[GrantSource]:
    """notifications' grant source as its state builds it with feed credentials: a machine
    client holding grants:read, its token fetched by client credentials."""
    client = await machine_client(
        settings_for("identity"), "notifications visibility", ["events:read", "grants:read"]
    )
    state = state_of(notifications_app, NotificationsState)
    identity = CountingIdentity(identity_server.url, state.runtime.http)
    source = GrantSource(identity, FeedToken(identity, client["client_id"], client["client_secret"]))
    before = state.grants
    state.grants = source
    yield source
    state.grants = before


def _event(
    subject: str | None, *, scope: str | None, level: str | None = "medium", **extra: Any
) -> FeedEvent:
    return FeedEvent(
        id=uuid.uuid4(),
        type=extra.pop("type", "orders.order-file.approved"),
        subject=subject,
        object=EventObject(kind=extra.pop("kind", "order-file"), id=str(uuid.uuid4()), url=None),
        access_level=level,  # type: ignore[arg-type]
        scope=scope,
        occurred_at=datetime.now(UTC),
        data=extra.pop("data", {"state": "approved"}),
        **extra,
    )


async def _subscribe(api: httpx.AsyncClient, token: str, patterns: list[str] | None = None) -> str:
    created = await api.post(
        "/v1/subscriptions",
        json={"event_types": patterns or ["orders.order-file.*"]},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _receive(app: FastAPI, grants: GrantSource, *events: FeedEvent) -> None:
    """What a follower does with a page: load its grants, then handle its events in one transaction."""
    page = PageGrants(grants)
    await page.load(list(events))
    receive = receiver("orders", page)
    sessionmaker = state_of(app, NotificationsState).runtime.sessionmaker
    async with sessionmaker.begin() as session:
        await receive(session, list(events))


async def _messages(app: FastAPI, event: FeedEvent) -> dict[str, Message]:
    """The messages made of ``event``, by subscription ID."""
    async with state_of(app, NotificationsState).runtime.sessionmaker() as session:
        rows = await session.scalars(select(Message).where(Message.event_id == event.id))
        return {str(m.subscription_id): m for m in rows}


def _subject(party: Any) -> str:
    """How tokens name an identity ``Party``."""
    return f"user:{party.id}"


async def test_a_grant_covering_scope_and_level_lets_the_agent_receive_until_it_is_revoked(
    notifications_app: FastAPI,
    notifications_api: httpx.AsyncClient,
    identity_app: FastAPI,
    identity_http: httpx.AsyncClient,
    grants: GrantSource,
) -> None:
    merchant = await make_user(identity_app, roles=("base-natural", "merchant"))
    agent = await make_user(identity_app)
    stranger = await make_user(identity_app)
    # Merchant grant: foreign-trade and currency, at the medium level.
    _, grant_id = await acting_for_token(identity_app, identity_http, merchant, agent)
    agents = await _subscribe(notifications_api, await token_for(identity_app, agent))
    owners = await _subscribe(notifications_api, await token_for(identity_app, merchant))
    strangers = await _subscribe(notifications_api, await token_for(identity_app, stranger))
    elsewhere = await _subscribe(notifications_api, await token_for(identity_app, agent), ["identity.*"])

    covered = _event(_subject(merchant), scope="foreign-trade", level="medium")
    lower = _event(_subject(merchant), scope="currency", level="limited")
    too_high = _event(_subject(merchant), scope="foreign-trade", level="full")
    not_granted = _event(_subject(merchant), scope="product-id", level="limited")
    no_scope = _event(_subject(merchant), scope=None, level="limited")
    events = [covered, lower, too_high, not_granted, no_scope]
    calls = grants.identity.calls  # type: ignore[attr-defined]
    await _receive(notifications_app, grants, *events)
    assert grants.identity.calls == calls + 1  # type: ignore[attr-defined]  # one call for the page

    made = await _messages(notifications_app, covered)
    assert set(made) == {agents, owners}
    assert (made[agents].basis, made[agents].principal) == ("representation", _subject(merchant))
    assert (made[owners].basis, made[owners].principal) == ("own", None)
    assert made[agents].status == "pending"
    assert made[agents].next_attempt_at is None  # box only: nothing for the dispatcher to send
    assert made[agents].body["event_id"] == str(covered.id)
    assert made[agents].body["type"] == covered.type
    assert made[agents].object_key == f"order-file:{covered.object.id}"
    assert agents in await _messages(notifications_app, lower)
    for hidden in (too_high, not_granted, no_scope):
        assert set(await _messages(notifications_app, hidden)) == {owners}, hidden
    assert strangers not in made
    assert elsewhere not in made

    queued = [made[agents], made[owners], (await _messages(notifications_app, lower))[agents]]
    state = state_of(notifications_app, NotificationsState)
    assert await still_visible(state, queued) == {queued[0].id, queued[2].id}

    revoked = await identity_http.post(
        f"/v1/representations/{grant_id}/revoke", headers=bearer(await token_for(identity_app, merchant))
    )
    assert revoked.status_code == 200, revoked.text
    assert await still_visible(state, queued) == set()
    after = _event(_subject(merchant), scope="foreign-trade", level="medium")
    await _receive(notifications_app, grants, after)
    assert set(await _messages(notifications_app, after)) == {owners}


async def test_a_trader_grant_never_shows_merchant_objects(
    notifications_app: FastAPI,
    notifications_api: httpx.AsyncClient,
    identity_app: FastAPI,
    identity_http: httpx.AsyncClient,
    grants: GrantSource,
) -> None:
    trader = await make_user(identity_app, roles=("base-natural", "trader"))
    agent = await make_user(identity_app)
    await acting_for_token(
        identity_app, identity_http, trader, agent, role="trader", scopes=["full"], access_level="full"
    )
    agents = await _subscribe(notifications_api, await token_for(identity_app, agent))
    merchant_scope = _event(_subject(trader), scope="foreign-trade", level="limited")
    trader_scope = _event(_subject(trader), scope="sales", level="limited")
    await _receive(notifications_app, grants, merchant_scope, trader_scope)
    assert agents not in await _messages(notifications_app, merchant_scope)
    assert agents in await _messages(notifications_app, trader_scope)


async def test_an_officer_receives_their_offices_events_only(
    notifications_app: FastAPI,
    notifications_api: httpx.AsyncClient,
    identity_app: FastAPI,
    grants: GrantSource,
) -> None:
    mimt = await make_user(identity_app, roles=("base-natural", "officer"))
    customs = await make_user(identity_app, roles=("base-natural", "officer"))
    mimt_sub = await _subscribe(
        notifications_api, await token_for(identity_app, mimt, roles=["officer"], office=MIMT)
    )
    customs_sub = await _subscribe(
        notifications_api,
        await token_for(
            identity_app, customs, roles=["officer"], office={"kind": "customs-office", "code": "50100"}
        ),
    )
    event = _event(f"user:{uuid.uuid4()}", scope="foreign-trade", office="issuing-authority:mimt")
    await _receive(notifications_app, grants, event)
    made = await _messages(notifications_app, event)
    assert mimt_sub in made
    assert made[mimt_sub].basis == "office"
    assert customs_sub not in made


async def test_a_representative_receives_the_events_of_its_representation(
    notifications_app: FastAPI,
    notifications_api: httpx.AsyncClient,
    identity_app: FastAPI,
    grants: GrantSource,
) -> None:
    agent = await make_user(identity_app)
    subscription = await _subscribe(
        notifications_api, await token_for(identity_app, agent), ["identity.representation.*"]
    )
    event = _event(
        f"user:{uuid.uuid4()}",
        scope=None,
        level=None,
        type="identity.representation.accepted",
        kind="representation",
        data={"representative": _subject(agent)},
    )
    await _receive(notifications_app, grants, event)
    made = await _messages(notifications_app, event)
    assert made[subscription].basis == "own"


async def test_still_visible_fails_closed_without_a_grant_source(
    notifications_app: FastAPI,
) -> None:
    state = state_of(notifications_app, NotificationsState)
    assert state.grants is None  # no feed credentials
    message = Message(
        id=1, basis="representation", principal="user:x", subscription_id=uuid.uuid4(), event_id=uuid.uuid4()
    )
    assert await still_visible(state, [message]) == set()


@pytest.mark.parametrize(
    ("pattern", "type_", "expected"),
    [
        ("*", "orders.order-file.approved", True),
        ("orders.*", "orders.order-file.approved", True),
        ("orders.order-file.*", "orders.order-file.approved", True),
        ("orders.order-file.approved", "orders.order-file.approved", True),
        ("orders.order.*", "orders.order-file.approved", False),
        ("permits.*", "orders.order-file.approved", False),
        ("orders.order-file.rejected", "orders.order-file.approved", False),
    ],
)
def test_patterns_match_as_the_fan_out_queries_them(pattern: str, type_: str, expected: bool) -> None:
    assert matches(pattern, type_) is expected
    assert (pattern in patterns_naming(type_)) is expected


def test_fan_out_finds_by_sql_exactly_the_subscriptions_the_catalogue_matches() -> None:
    """``patterns_naming`` (what fan-out asks the database for) and the catalogue's ``matches``
    are the same rule: for every catalogued type and every pattern of every catalogued type."""
    types = list(event_types())
    patterns = {"*"} | {p for t in types for p in patterns_naming(t)}
    for type_ in types:
        for pattern in patterns:
            assert matches(pattern, type_) == (pattern in patterns_naming(type_)), (pattern, type_)

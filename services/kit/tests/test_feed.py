"""The outbox feed (``GET /v1/events``): only with ``events:read``, in sequence order, paged by
an opaque cursor, and no event skipped when transactions commit out of sequence order."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import feed_api, feed_signal

from .conftest import committed, tail, write


@pytest.fixture
def reader(signing_keys: Any) -> dict[str, str]:
    token = signing_keys.token(subject="client:follower", scope="events:read")
    return {"Authorization": f"Bearer {token}"}


async def test_no_token_is_401_and_another_scope_403(
    kit_client: httpx.AsyncClient, signing_keys: Any
) -> None:
    response = await kit_client.get("/v1/events")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    admin = signing_keys.token(subject="client:admin", scope="admin")
    response = await kit_client.get("/v1/events", headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "forbidden"


async def test_events_come_in_sequence_order_page_by_page(
    kit_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], reader: dict[str, str]
) -> None:
    after = await tail(sessions)
    ids = await committed(sessions, "a", "b", "c", "d", "e")
    seen: list[str] = []
    while True:
        response = await kit_client.get("/v1/events", params={"after": after, "limit": 2}, headers=reader)
        assert response.status_code == 200, response.text
        page = response.json()
        if not page["items"]:
            assert page["next"] is None
            break
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        after = page["next"]
    assert seen == [str(i) for i in ids]


async def test_an_event_shows_its_object_and_type(
    kit_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], reader: dict[str, str]
) -> None:
    after = await tail(sessions)
    async with sessions.begin() as session:
        event_id = await write(session, "w1", kind="widget", party="user:owner", access_level="limited")
    response = await kit_client.get("/v1/events", params={"after": after}, headers=reader)
    (event,) = response.json()["items"]
    assert event["id"] == str(event_id)
    assert event["type"] == "kit_test.widget.made"
    assert event["subject"] == "user:owner"
    assert event["object"] == {"kind": "widget", "id": "w1", "url": None}
    assert event["access_level"] == "limited"
    assert event["data"] == {"name": "w1"}
    assert event["occurred_at"]


async def test_the_limit_is_at_most_100_and_a_foreign_cursor_is_refused(
    kit_client: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    assert (await kit_client.get("/v1/events", params={"limit": 101}, headers=reader)).status_code == 422
    response = await kit_client.get("/v1/events", params={"after": "bm90LWEtY3Vyc29y"}, headers=reader)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid-cursor"


async def test_a_lower_sequence_committed_later_is_not_skipped(
    kit_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], reader: dict[str, str]
) -> None:
    """Writer A takes the lower sequence value and commits last; B commits first. A follower
    reading meanwhile must not get B before A, or its cursor would pass A for ever."""
    after = await tail(sessions)
    async with sessions() as slow, sessions() as fast:
        await slow.begin()
        first = await write(slow, "slow")
        async with fast.begin():
            second = await write(fast, "fast")
        read = asyncio.create_task(kit_client.get("/v1/events", params={"after": after}, headers=reader))
        await asyncio.sleep(0.5)
        assert not read.done(), "the reader answered while a lower sequence was in flight"
        await slow.commit()
        response = await read
    assert [item["id"] for item in response.json()["items"]] == [str(first), str(second)]


async def test_a_writer_in_flight_past_the_lock_timeout_is_a_503(
    kit_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    reader: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feed_api, "LOCK_TIMEOUT", "100ms")
    async with sessions() as slow:
        await slow.begin()
        await write(slow, "held")
        response = await kit_client.get("/v1/events", headers=reader)
        await slow.rollback()
    assert response.status_code == 503
    assert response.json()["code"] == "feed-busy"


async def test_a_long_poll_answers_when_an_event_commits(
    kit_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    reader: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With `wait`, an empty feed holds the request; the commit of an event (its NOTIFY) answers
    it long before the wait runs out, with that event. The fallback re-read is pushed past the
    wait, so only the notification can answer early."""
    monkeypatch.setattr(feed_signal, "FALLBACK_SECONDS", 60.0)
    after = await tail(sessions)
    read = asyncio.create_task(
        kit_client.get("/v1/events", params={"after": after, "wait": 20}, headers=reader, timeout=30)
    )
    await asyncio.sleep(0.3)
    assert not read.done(), "the long-poll answered with nothing new"
    started = asyncio.get_running_loop().time()
    (made,) = await committed(sessions, "awaited")
    response = await read
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [str(made)]
    assert asyncio.get_running_loop().time() - started < 10, "the wait ran out: no wake-up on commit"


async def test_a_long_poll_with_nothing_new_answers_an_empty_page_after_its_wait(
    kit_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], reader: dict[str, str]
) -> None:
    after = await tail(sessions)
    started = asyncio.get_running_loop().time()
    response = await kit_client.get("/v1/events", params={"after": after, "wait": 1}, headers=reader)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next": None}
    assert asyncio.get_running_loop().time() - started >= 1.0
    too_long = await kit_client.get("/v1/events", params={"wait": 31}, headers=reader)
    assert too_long.status_code == 422

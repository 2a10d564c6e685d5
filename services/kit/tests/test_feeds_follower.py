"""The feed follower against a kit app served over real HTTP: it resumes from its stored cursor
after a restart, hands each event over once though a page is read again, and retries a
failing handler with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from kit_testing import app_client, serve
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.clock import now_utc
from kit.feeds import SEEN_WINDOW, FeedFollower, FeedUnavailable, one_by_one
from kit.runtime import ServiceState
from panjereh_contract.events import FeedEvent

from .conftest import build_app, committed, feed_cursors, seen_events, tail


@pytest.fixture
async def feed_url(kit_app: Callable[..., FastAPI]) -> AsyncIterator[str]:
    running = await serve(kit_app())
    yield running.url
    await running.stop()


class Recorder:
    """A handler that records what it was given, and fails on the names in ``failing`` once each;
    ``done`` is set once it handled ``expected`` events."""

    def __init__(self, *failing: str, expected: int = 0) -> None:
        self.handled: list[str] = []
        self.failing = set(failing)
        self.expected = expected
        self.done = asyncio.Event()

    async def __call__(self, session: AsyncSession, event: FeedEvent) -> None:
        name = event.data["name"]
        if name in self.failing:
            self.failing.discard(name)
            raise RuntimeError(f"handler failed on {name}")
        self.handled.append(name)
        if len(self.handled) == self.expected:
            self.done.set()


@contextlib.asynccontextmanager
async def follower(
    feed_url: str, sessions: async_sessionmaker[AsyncSession], signing_keys: Any, feed: str, handler: Recorder
) -> AsyncIterator[FeedFollower]:
    async def token() -> str:
        return signing_keys.token(subject="client:follower", scope="events:read")

    async with httpx.AsyncClient() as http:
        yield FeedFollower(
            feed=feed,
            url=feed_url,
            token=token,
            handler=one_by_one(handler),
            sessionmaker=sessions,
            http=http,
            cursors=feed_cursors,
            seen=seen_events,
            page_size=2,
            idle_seconds=0.05,
            first_backoff_seconds=0.05,
        )


async def start_at_tail(sessions: async_sessionmaker[AsyncSession]) -> str:
    """A new feed name whose stored cursor is the outbox's present end (other tests write too)."""
    feed = f"test-{uuid.uuid4().hex[:12]}"
    cursor = await tail(sessions)
    async with sessions.begin() as session:
        await session.execute(insert(feed_cursors).values(feed=feed, cursor=cursor))
    return feed


async def drain(f: FeedFollower) -> None:
    while await f.poll():
        pass


async def test_a_follower_resumes_from_its_stored_cursor_after_a_restart(
    feed_url: str, sessions: async_sessionmaker[AsyncSession], signing_keys: Any
) -> None:
    feed = await start_at_tail(sessions)
    await committed(sessions, "r1", "r2", "r3")
    first = Recorder()
    async with follower(feed_url, sessions, signing_keys, feed, first) as f:
        await drain(f)
    assert first.handled == ["r1", "r2", "r3"]

    await committed(sessions, "r4", "r5")
    restarted = Recorder()
    async with follower(feed_url, sessions, signing_keys, feed, restarted) as f:
        await drain(f)
    assert restarted.handled == ["r4", "r5"]


async def test_a_failed_page_stores_nothing_and_a_page_read_again_hands_over_nothing_seen(
    feed_url: str, sessions: async_sessionmaker[AsyncSession], signing_keys: Any
) -> None:
    """The handler fails on the page's second event: the page's transaction rolls back whole (no
    event marked seen, the cursor where it was), and the page is read again from the first event.
    Once stored, a page read again (its cursor set back) hands over nothing."""
    feed = await start_at_tail(sessions)
    ids = await committed(sessions, "d1", "d2")
    handler = Recorder("d2")
    async with follower(feed_url, sessions, signing_keys, feed, handler) as f:
        cursor = await f.cursor()
        with pytest.raises(RuntimeError):
            await f.poll()
        assert await f.cursor() == cursor
        async with sessions() as session:
            seen = await session.scalars(select(seen_events.c.event_id).where(seen_events.c.feed == feed))
            assert not set(seen) & set(ids)
        await drain(f)
        assert handler.handled == ["d1", "d1", "d2"]
        async with sessions.begin() as session:
            await session.execute(
                update(feed_cursors).where(feed_cursors.c.feed == feed).values(cursor=cursor)
            )
        await drain(f)
    assert handler.handled == ["d1", "d1", "d2"]
    async with sessions() as session:
        seen = await session.scalars(select(seen_events.c.event_id).where(seen_events.c.feed == feed))
        assert sorted(seen) == sorted(ids)


async def test_each_page_is_prepared_once_before_its_events_are_handled(
    feed_url: str, sessions: async_sessionmaker[AsyncSession], signing_keys: Any
) -> None:
    """The preparer gets a page's events before the handler gets any of them (notifications
    fetches the grants of a whole page in one call there)."""
    feed = await start_at_tail(sessions)
    await committed(sessions, "p1", "p2", "p3")
    handler = Recorder()
    log: list[tuple[str, list[str]]] = []

    async def prepare(events: list[FeedEvent]) -> None:
        log.append(("page", [e.data["name"] for e in events]))

    async def handle(session: AsyncSession, event: FeedEvent) -> None:
        log.append(("event", [event.data["name"]]))
        await handler(session, event)

    async with follower(feed_url, sessions, signing_keys, feed, handler) as f:
        f.handler = one_by_one(handle)
        f.prepare = prepare
        await drain(f)
    assert log == [
        ("page", ["p1", "p2"]),
        ("event", ["p1"]),
        ("event", ["p2"]),
        ("page", ["p3"]),
        ("event", ["p3"]),
    ]


async def test_running_retries_with_backoff_until_the_handler_succeeds(
    feed_url: str, sessions: async_sessionmaker[AsyncSession], signing_keys: Any
) -> None:
    """The page is handled in one transaction: b2 failing rolls it back whole (b1's stored effects
    and the cursor too), and the retry handles the page again in order. An effect outside the
    database (the recorder's list) sees b1 twice; nothing is skipped."""
    feed = await start_at_tail(sessions)
    await committed(sessions, "b1", "b2", "b3")
    handler = Recorder("b2", expected=4)
    async with follower(feed_url, sessions, signing_keys, feed, handler) as f:
        running = asyncio.create_task(f.run())
        try:
            await asyncio.wait_for(handler.done.wait(), timeout=10)
        finally:
            running.cancel()
    assert handler.handled == ["b1", "b1", "b2", "b3"]


async def test_a_refused_token_stops_the_poll(
    feed_url: str, sessions: async_sessionmaker[AsyncSession], signing_keys: Any
) -> None:
    feed = await start_at_tail(sessions)
    async with httpx.AsyncClient() as http:

        async def no_scope() -> str:
            return signing_keys.token(subject="client:follower", scope="admin")

        f = FeedFollower(
            feed, feed_url, no_scope, one_by_one(Recorder()), sessions, http, feed_cursors, seen_events
        )
        with pytest.raises(FeedUnavailable, match="403"):
            await f.poll()


async def test_a_service_runs_its_follower_as_a_background_task(
    feed_url: str, kit_db: str, signing_keys: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    feed = await start_at_tail(sessions)
    await committed(sessions, "s1", "s2", "s3")
    handler = Recorder(expected=3)

    async def token() -> str:
        return signing_keys.token(subject="client:follower", scope="events:read")

    async def follow(state: ServiceState) -> None:
        rt = state.runtime
        await FeedFollower(
            feed,
            feed_url,
            token,
            one_by_one(handler),
            rt.sessionmaker,
            rt.http,
            feed_cursors,
            seen_events,
            idle_seconds=0.05,
        ).run()

    async with app_client(build_app(kit_db, signing_keys, background=[follow])):
        await asyncio.wait_for(handler.done.wait(), timeout=10)
    assert handler.handled == ["s1", "s2", "s3"]


async def test_seen_events_are_forgotten_after_the_window_only(
    sessions: async_sessionmaker[AsyncSession], signing_keys: Any
) -> None:
    feed = await start_at_tail(sessions)
    old, recent = uuid.uuid4(), uuid.uuid4()
    async with sessions.begin() as session:
        await session.execute(
            insert(seen_events),
            [
                {"feed": feed, "event_id": old, "seen_at": now_utc() - SEEN_WINDOW - timedelta(hours=1)},
                {"feed": feed, "event_id": recent, "seen_at": now_utc() - SEEN_WINDOW + timedelta(hours=1)},
            ],
        )
    async with follower("http://unused", sessions, signing_keys, feed, Recorder()) as f:
        await f.purge_seen()
    async with sessions() as session:
        kept = await session.scalars(select(seen_events.c.event_id).where(seen_events.c.feed == feed))
        assert list(kept) == [recent]

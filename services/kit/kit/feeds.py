"""Following another service's feed (``GET /v1/events``, ``kit.feed_api``) with a stored cursor.

A follower reads a page after its cursor and, in one transaction, hands each event not seen
before to its handler, records them in ``seen_events`` and stores the page's ``next`` in its
own schema (``feed_cursors``). A crash or a failing handler rolls the page back whole, and it
is read again. Duplicates are dropped by event ID, so a handler that writes only to the
follower's database takes effect exactly once, and one with outside effects sees an event
again only if the page failed after them.
Seen IDs are kept ``SEEN_WINDOW`` (longer than a feed keeps its events, 30 days), then purged.

Events are handled in the feed's order, one at a time; a failing handler stops the feed
(retried with exponential backoff and jitter) rather than skip an event.

A follower long-polls (``wait``): the feed answers as soon as an event commits, so an event
reaches its follower within milliseconds, and an idle feed costs one request every
``wait_seconds`` rather than a poll a second.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.clock import now_utc
from panjereh_contract.events import EventPage, FeedEvent

logger = logging.getLogger("kit.feeds")
SEEN_WINDOW = timedelta(days=35)

# Handles the events of a page not seen before, in order, in the page's transaction.
Handler = Callable[[AsyncSession, list[FeedEvent]], Awaitable[None]]
EventHandler = Callable[[AsyncSession, FeedEvent], Awaitable[None]]
# Called with each page's events before they are handled one by one: what the handler needs of
# other services for the whole page is fetched here, in one call (notifications: the grants).
PagePreparer = Callable[[list[FeedEvent]], Awaitable[None]]
# Returns a bearer token of a machine client holding ``events:read`` (cached by the source).
TokenSource = Callable[[], Awaitable[str]]


def feed_cursor_table(metadata: MetaData) -> Table:
    """Where each feed this service follows was read up to."""
    return Table(
        "feed_cursors",
        metadata,
        Column("feed", String(100), primary_key=True),
        Column("cursor", String(512), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def seen_events_table(metadata: MetaData) -> Table:
    """The events of each followed feed already handled, kept ``SEEN_WINDOW``."""
    return Table(
        "seen_events",
        metadata,
        Column("feed", String(100), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("feed", "event_id"),
        Index("ix_seen_events_seen_at", "seen_at"),
    )


def one_by_one(handle: EventHandler) -> Handler:
    """A page handler calling ``handle`` on each event in turn (when nothing is gained by seeing
    the page whole)."""

    async def each(session: AsyncSession, events: list[FeedEvent]) -> None:
        for event in events:
            await handle(session, event)

    return each


class FeedUnavailable(Exception):
    """The feed answered something else than a page."""


@dataclass
class FeedFollower:
    """Follows the feed of the service at ``url``; ``feed`` names its cursor."""

    feed: str
    url: str
    token: TokenSource
    handler: Handler
    sessionmaker: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    cursors: Table
    seen: Table
    page_size: int = 100
    # How long the feed may hold a request open when nothing is new (kit.feed_api, at most 30).
    wait_seconds: int = 20
    # The pause after a short page when not long-polling (wait_seconds 0).
    idle_seconds: float = 1.0
    first_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 60.0
    prepare: PagePreparer | None = None

    async def cursor(self) -> str | None:
        async with self.sessionmaker() as session:
            return await session.scalar(select(self.cursors.c.cursor).where(self.cursors.c.feed == self.feed))

    async def poll(self) -> int:
        """Read one page after the stored cursor and handle its events; returns how many it held."""
        after = await self.cursor()
        params: dict[str, str | int] = {"limit": self.page_size, "wait": self.wait_seconds}
        if after:
            params["after"] = after
        headers = {"Authorization": f"Bearer {await self.token()}"}
        response = await self.http.get(
            f"{self.url}/v1/events", params=params, headers=headers, timeout=self.wait_seconds + 10.0
        )
        if response.status_code != 200:
            raise FeedUnavailable(f"{self.feed}: {response.status_code} {response.text[:200]}")
        page = EventPage.model_validate(response.json())
        if self.prepare is not None and page.items:
            await self.prepare(page.items)
        if page.items:
            await self._handle_page(page.items, page.next)
        return len(page.items)

    async def run(self) -> None:
        """Follow for ever: each page is followed at once by the next (the feed holds the request
        while nothing is new), or after ``idle_seconds`` when not long-polling and the page was
        short; a failure is retried with exponential backoff and jitter."""
        failures = 0
        while True:
            try:
                read = await self.poll()
            except Exception as exc:
                failures += 1
                delay = min(self.max_backoff_seconds, self.first_backoff_seconds * 2 ** (failures - 1))
                if isinstance(exc, httpx.TransportError | FeedUnavailable):  # down or refusing: no trace
                    logger.warning(
                        "feed %s unavailable (%d in a row; %s); again in %.1f s",
                        self.feed,
                        failures,
                        exc,
                        delay,
                    )
                else:
                    logger.exception(
                        "feed %s failed (%d in a row); again in %.1f s", self.feed, failures, delay
                    )
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                continue
            failures = 0
            if read < self.page_size and not self.wait_seconds:
                await asyncio.sleep(self.idle_seconds)

    async def purge_seen(self) -> None:
        """Forget the events seen longer ago than ``SEEN_WINDOW`` (a periodic task)."""
        async with self.sessionmaker.begin() as session:
            await session.execute(
                delete(self.seen).where(
                    self.seen.c.feed == self.feed, self.seen.c.seen_at < now_utc() - SEEN_WINDOW
                )
            )

    async def _handle_page(self, events: list[FeedEvent], cursor: str | None) -> None:
        """Every event of the page not seen before, in order, and the cursor after it, in one
        transaction: one commit (one WAL flush) a page rather than one an event, and the cursor
        moves exactly when the page's effects are stored."""
        async with self.sessionmaker.begin() as session:
            marked = await session.execute(
                insert(self.seen).on_conflict_do_nothing().returning(self.seen.c.event_id),
                [{"feed": self.feed, "event_id": event.id} for event in events],
            )
            fresh = set(marked.scalars())
            unseen = [event for event in events if event.id in fresh]
            if unseen:
                await self.handler(session, unseen)
            if cursor is not None:
                stmt = insert(self.cursors).values(feed=self.feed, cursor=cursor)
                await session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[self.cursors.c.feed],
                        set_={"cursor": cursor, "updated_at": func.now()},
                    )
                )

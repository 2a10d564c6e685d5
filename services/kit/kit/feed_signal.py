"""Waking a feed's long-poll as soon as an event commits: PostgreSQL ``LISTEN``/``NOTIFY``.

``kit.outbox.publish`` sends ``NOTIFY`` on the outbox's channel in the writer's transaction;
PostgreSQL delivers it when (and only if) the transaction commits. Each serving process keeps
one connection of its own (outside the pool) listening on the channel, and every waiting
``GET /v1/events?wait=`` wakes when a notification arrives. A lost connection or notification
costs latency, never an event: a waiter re-reads at least every ``FALLBACK_SECONDS``, and the
listener reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any

import asyncpg
from sqlalchemy import Table

from kit.settings import sync_database_url

logger = logging.getLogger("kit.feed_signal")
# A waiter reads again at least this often, whatever the listener says.
FALLBACK_SECONDS = 1.0


def channel(table: Table) -> str:
    """The NOTIFY channel of one service's outbox (an identifier: schema and table name)."""
    return f"panjereh_feed_{table.schema}_{table.name}"


class FeedSignal:
    """Wakes the waiters of one outbox's feed in this process."""

    def __init__(self, table: Table) -> None:
        self.channel = channel(table)
        self._changed = asyncio.Event()

    def notify(self, *_: Any) -> None:
        """A committed write (the listener's callback): wake every waiter."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Until the next committed write, or ``seconds`` (at most ``FALLBACK_SECONDS``)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(seconds, FALLBACK_SECONDS)):
                await self._changed.wait()

    async def listen(self, database_url: str) -> None:
        """Listen for ever (a background task of the serving app), reconnecting with backoff."""
        failures = 0
        while True:
            try:
                connection = await asyncpg.connect(
                    sync_database_url(database_url),
                    server_settings={"application_name": f"panjereh-listen-{self.channel}"},
                )
            except (OSError, asyncpg.PostgresError):
                failures += 1
                delay = min(30.0, 0.5 * 2**failures) * random.uniform(0.5, 1.0)
                logger.warning("feed listener for %s cannot connect; again in %.1f s", self.channel, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            lost = asyncio.Event()
            try:
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(self.channel, self.notify)
                self.notify()  # anything written while no one listened is read now
                await lost.wait()
                logger.warning("feed listener for %s lost its connection; reconnecting", self.channel)
            finally:
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)

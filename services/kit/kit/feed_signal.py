"""Waking a feed's long-poll as soon as an event commits: PostgreSQL ``LISTEN``/``NOTIFY``.

``kit.outbox.publish`` sends ``NOTIFY`` on the outbox's channel in the writer's transaction;
PostgreSQL delivers it when (and only if) the transaction commits. Once a follower long-polls,
the serving process listens on the channel from one connection of its own (``kit.pg_listener``),
and every waiting ``GET /v1/events?wait=`` wakes when a notification arrives. A lost connection
or notification costs latency, never an event: a waiter re-reads at least every
``FALLBACK_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import Table

from kit.pg_listener import PgListener

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
        self._listener = PgListener(self.channel, self.notify)

    def notify(self) -> None:
        """A committed write (the listener's callback): wake every waiter."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Until the next committed write, or ``seconds`` (at most ``FALLBACK_SECONDS``)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(seconds, FALLBACK_SECONDS)):
                await self._changed.wait()

    def listen(self, database_url: str) -> None:
        """Start listening (once; the first long-poll does it): an app whose feed nobody
        long-polls holds no connection for it."""
        self._listener.start(database_url)

    async def stop(self) -> None:
        await self._listener.stop()

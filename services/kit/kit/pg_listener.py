"""Listening on a PostgreSQL ``NOTIFY`` channel from a connection of one's own, outside the pool.

PostgreSQL delivers a ``NOTIFY`` when (and only if) the transaction that sent it commits, so a
listener learns of committed work within milliseconds instead of polling for it. A listener
holds one connection for as long as it runs (never a pooled one: a request must not wait for
it); a lost connection is reopened with backoff, and ``on_notify`` is called after each
(re)connection too, since anything committed while no one listened must be looked at. A lost
notification therefore costs latency, never work: the code woken also looks on a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

import asyncpg

from kit.settings import sync_database_url

logger = logging.getLogger("kit.pg_listener")


class PgListener:
    """Calls ``on_notify`` on every notification of ``channel`` (and on each reconnection)."""

    def __init__(self, channel: str, on_notify: Callable[[], None]) -> None:
        self.channel = channel
        self.on_notify = on_notify
        self.connected = asyncio.Event()  # set while a connection listens (tests wait on it)
        self._task: asyncio.Task[None] | None = None

    def start(self, database_url: str) -> None:
        """Run in the background unless already running (idempotent; ``stop`` ends it)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(database_url), name=f"listen-{self.channel}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self, database_url: str) -> None:
        """Listen for ever, reconnecting with backoff and jitter."""
        failures = 0
        while True:
            try:
                connection = await asyncpg.connect(
                    sync_database_url(database_url),
                    server_settings={"application_name": f"panjereh-listen-{self.channel}"[:63]},
                )
            except (OSError, asyncpg.PostgresError):
                failures += 1
                delay = min(30.0, 0.5 * 2**failures) * random.uniform(0.5, 1.0)
                logger.warning("listener of %s cannot connect; again in %.1f s", self.channel, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            lost = asyncio.Event()
            try:
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(self.channel, lambda *_: self.on_notify())
                self.connected.set()
                self.on_notify()  # anything committed while no one listened is looked at now
                await lost.wait()
                logger.warning("listener of %s lost its connection; reconnecting", self.channel)
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)

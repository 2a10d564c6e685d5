"""Keep-alive connections to one upstream, most recently used first."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from gateway.http1 import UpstreamConnectError, UpstreamConnection, UpstreamTimeout


class ConnectionPool:
    """Idle connections to ``host:port``, reused LIFO so the warm ones stay warm.

    A connection idle longer than ``keepalive_seconds`` is closed instead of
    reused: set it below the upstream's own keep-alive timeout (uvicorn: 5 s)
    so the upstream seldom closes one just as we send on it. There is no cap on
    connections in use; ``max_idle`` caps those kept.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float,
        keepalive_seconds: float,
        max_idle: int,
    ) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None
        self.host = parts.hostname
        self.port = parts.port or 80
        self.host_header = parts.netloc.encode("ascii")
        self._connect_timeout = connect_timeout
        self._keepalive = keepalive_seconds
        self._max_idle = max_idle
        self._idle: list[UpstreamConnection] = []
        self._loop = asyncio.get_running_loop()

    async def acquire(self) -> tuple[UpstreamConnection, bool]:
        """A connection and whether it was reused from the pool."""
        idle = self._idle
        if idle:
            now = self._loop.time()
            while idle:
                conn = idle.pop()
                if not conn.closed and now - conn.idle_since < self._keepalive:
                    return conn, True
                conn.close()
        return await self.connect(), False

    async def connect(self) -> UpstreamConnection:
        """A new connection (also used for the one retry after a stale pooled one)."""
        loop = self._loop
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: UpstreamConnection(loop, self._forget), self.host, self.port
                )
        except TimeoutError as exc:
            raise UpstreamTimeout(f"no connection within {self._connect_timeout:g} s") from exc
        except OSError as exc:
            raise UpstreamConnectError(exc.strerror or str(exc)) from exc
        return conn

    def release(self, conn: UpstreamConnection) -> None:
        """Return a connection after its exchange; one not fit for reuse is closed."""
        if conn.reusable and len(self._idle) < self._max_idle:
            conn.finish_exchange()
            conn.idle_since = self._loop.time()
            self._idle.append(conn)
        else:
            conn.close()

    def _forget(self, conn: UpstreamConnection) -> None:
        """The upstream closed ``conn``: drop it if it was idle here."""
        if conn in self._idle:
            self._idle.remove(conn)

    def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

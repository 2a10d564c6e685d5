"""One keep-alive HTTP/1.1 connection to an upstream: an asyncio Protocol parsing with httptools.

Why not httpx or aiohttp: on this class of machine a forwarding hop through
httpx cost ~1.8 ms of CPU and aiohttp reached 0.35x of direct throughput. Here
the caller writes the request in one ``transport.write`` and llhttp parses the
answer inside ``data_received``; a small response usually arrives, and is
parsed whole, in one callback.

The caller drives one exchange at a time::

    conn.begin(head_request=False, timeout=10.0)
    conn.write(head_and_body)
    status, headers = await conn.response_head()
    while True:
        data, done = await conn.read_body()
        ...
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

import httptools

# Pause reading from the upstream while this much body waits for the client.
_HIGH_WATER = 256 * 1024

_IDLE, _HEAD, _BODY, _DONE = range(4)


class UpstreamError(Exception):
    """Base of the failures the proxy maps to a problem response."""


class UpstreamConnectError(UpstreamError):
    """The connection could not be opened (refused, unreachable)."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not connect or answer in time."""


class UpstreamClosed(UpstreamError):
    """The upstream closed the connection before the answer was complete."""

    def __init__(self, received_any: bool) -> None:
        super().__init__("the upstream closed the connection" + (" mid-answer" if received_any else ""))
        self.received_any = received_any


class UpstreamProtocolError(UpstreamError):
    """The upstream's answer is not valid HTTP/1.1."""


class UpstreamConnection(asyncio.Protocol):
    """A client connection; ``on_lost`` is called once when the transport closes."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, on_lost: Callable[[UpstreamConnection], None]
    ) -> None:
        self._loop = loop
        self._on_lost = on_lost
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._timeout = 0.0
        self._state = _IDLE
        self._head_request = False
        self._received_any = False
        self._informational = False
        self._framed = False
        self._keep_alive = False
        self._status = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._buffered = 0
        self._reading_paused = False
        self._error: UpstreamError | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None

    # -- asyncio.Protocol ---------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # TCP_NODELAY is already set by asyncio and uvloop; uvloop's transport is no asyncio.Transport.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._state in (_IDLE, _DONE):
            self._fail(UpstreamProtocolError("the upstream sent bytes nobody asked for"))
            return
        self._received_any = True
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail(UpstreamProtocolError(f"malformed answer: {exc.__context__ or exc}"))
            return
        self._wake()

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._error is None:
            if self._state == _BODY and not self._framed:
                self._finish(keep_alive=False)  # a body delimited by the connection's end
            elif self._state in (_HEAD, _BODY):
                self._error = UpstreamClosed(self._received_any)
        self._wake()
        self._wake_drain()
        self._on_lost(self)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_drain()

    # -- httptools callbacks ------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered == b"content-length" or lowered == b"transfer-encoding":
            self._framed = True
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self._state != _HEAD:
            raise UpstreamProtocolError("a second answer to one request")
        status = self._parser.get_status_code()
        if status == 101:
            raise UpstreamProtocolError("the upstream switched protocols, which the gateway never asks for")
        if status < 200:  # 1xx: an interim answer, the real one follows
            self._informational = True
            self._headers = []
            self._framed = False
            return
        self._status = status
        self._state = _BODY
        if self._head_request:
            # llhttp cannot be told a HEAD answer has no body: finish here and drop the connection.
            self._finish(keep_alive=False)

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        if self._state == _BODY:
            self._finish(keep_alive=self._parser.should_keep_alive())

    # -- the caller's side --------------------------------------------------

    def begin(self, *, head_request: bool, timeout: float) -> None:
        """Start an exchange; ``timeout`` bounds every wait for the upstream."""
        self._state = _HEAD
        self._head_request = head_request
        self._timeout = timeout
        self._received_any = False
        self._framed = False
        self._status = 0
        self._headers = []
        self._body = []
        self._buffered = 0
        self._error = None

    @property
    def received_any(self) -> bool:
        return self._received_any

    @property
    def reusable(self) -> bool:
        """Idle-ready: the last answer was read whole and the upstream keeps the connection."""
        return self._state == _DONE and self._keep_alive and not self.closed and self._error is None

    def write(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    async def drain(self) -> None:
        """Wait while the kernel's send buffer to the upstream is full."""
        while self._write_paused and not self.closed:
            self._drain_waiter = self._loop.create_future()
            try:
                async with asyncio.timeout(self._timeout):
                    await self._drain_waiter
            except TimeoutError as exc:
                raise UpstreamTimeout(f"the upstream read nothing for {self._timeout:g} s") from exc

    async def response_head(self) -> tuple[int, list[tuple[bytes, bytes]]]:
        while self._state == _HEAD:
            if self._error is not None:
                raise self._error
            await self._wait()
        return self._status, self._headers

    async def read_body(self) -> tuple[bytes, bool]:
        """The body bytes received since the last call, and whether the answer is complete."""
        while not self._body and self._state != _DONE:
            if self._error is not None:
                raise self._error
            await self._wait()
        chunks = self._body
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._body = []
        self._buffered = 0
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data, self._state == _DONE

    def finish_exchange(self) -> None:
        """Mark the connection idle (after a complete answer)."""
        self._state = _IDLE

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()

    # -- internals ----------------------------------------------------------

    def _finish(self, *, keep_alive: bool) -> None:
        self._state = _DONE
        self._keep_alive = keep_alive

    def _fail(self, error: UpstreamError) -> None:
        self._error = error
        self._wake()
        self.close()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_drain(self) -> None:
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _on_timeout(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(UpstreamTimeout(f"no answer within {self._timeout:g} s"))

    async def _wait(self) -> None:
        waiter = self._waiter = self._loop.create_future()
        timer = self._loop.call_later(self._timeout, self._on_timeout)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

"""Prometheus metrics on a port of their own, which the public application never serves.

Metrics name routes, services and volumes: only the cluster's Prometheus should
read them. Each process (the gateway, a service) opens this listener in its
lifespan when its metrics port is set; the public port answers ``/metrics``
with 404 like any unknown path. With several uvicorn workers each binds the
port with ``SO_REUSEPORT`` and a scrape reaches one of them, as before.

A minimal HTTP/1.0 responder: one request per connection, ``GET /metrics``
only, so nothing else of the application is reachable here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

logger = logging.getLogger("kit.metrics")
METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST  # the Prometheus text format the listener answers in
_MAX_HEAD = 8192
_READ_TIMEOUT_SECONDS = 5.0


def _answer(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        async with asyncio.timeout(_READ_TIMEOUT_SECONDS):
            head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _MAX_HEAD:
            raise ValueError("head too large")
        method, _, rest = head.partition(b" ")
        target = rest.partition(b" ")[0].partition(b"?")[0]
        if method in (b"GET", b"HEAD") and target.rstrip(b"/") == b"/metrics":
            body = generate_latest()
            answer = _answer("200 OK", METRICS_CONTENT_TYPE, b"" if method == b"HEAD" else body)
        else:
            answer = _answer("404 Not Found", "text/plain; charset=utf-8", b"only GET /metrics here\n")
        writer.write(answer)
        await writer.drain()
    except (TimeoutError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def metrics_listener(host: str, port: int | None) -> AsyncIterator[int | None]:
    """Serve ``/metrics`` on ``host:port`` while the context is open (``port`` 0: any free port;
    ``None``: no listener). Yields the bound port."""
    if port is None:
        yield None
        return
    server = await asyncio.start_server(_handle, host, port, reuse_port=True, limit=_MAX_HEAD)
    bound = int(server.sockets[0].getsockname()[1])
    logger.info("metrics on http://%s:%d/metrics", host, bound)
    try:
        yield bound
    finally:
        server.close()
        await server.wait_closed()

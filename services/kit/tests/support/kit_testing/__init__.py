"""Test support shared by kit and every service: run an app in-process (lifespan and
ASGI) or over real HTTP (``serve`` in the test's own event loop; ``serve_in_thread``
for synchronous callers such as schemathesis). ``kit_testing.tokens`` signs tokens
kit's verifier accepts.

Migrations (``kit.migrations``) and ports (``kit.processes.free_port``) are kit's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp

from kit.processes import free_port

__all__ = ["Running", "app_client", "serve", "serve_in_thread"]


@contextlib.asynccontextmanager
async def app_client(app: FastAPI, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan and yield an httpx client wired to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn over real HTTP on 127.0.0.1, in a thread with
    its own event loop; yield its base URL; stop it (lifespan shutdown) on exit."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # signals belong to pytest


@dataclass
class Running:
    url: str
    server: uvicorn.Server
    task: asyncio.Task[None]

    async def stop(self) -> None:
        if not self.task.done():
            self.server.should_exit = True
            await self.task


async def serve(app: ASGIApp, *, port: int = 0, **options: Any) -> Running:
    """Start ``app`` (on a free port unless ``port`` is given); returns once it accepts connections.

    ``options`` are ``uvicorn.Config``'s. Stopping waits at most 2 s for requests in flight
    (a feed's long-poll would otherwise hold it for its whole wait).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, **{"http": "httptools", "log_level": "warning", "timeout_graceful_shutdown": 2, **options}
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped while starting")
        await asyncio.sleep(0.01)
    return Running(url=f"http://127.0.0.1:{port}", server=server, task=task)

"""Helpers for tests: run an app in-process (lifespan and ASGI) or over real HTTP.

Shipped in kit (as Safir does) so every service's tests and the cross-service
tests share one way to start an app.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp

from kit.migrations import SERVICES, downgrade, migrate, service_dir

__all__ = ["SERVICES", "app_client", "downgrade", "free_port", "migrate", "serve_in_thread", "service_dir"]


@contextlib.asynccontextmanager
async def app_client(app: FastAPI, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan and yield an httpx client wired to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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

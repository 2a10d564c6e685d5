"""Run ASGI apps on uvicorn in the running event loop, on free 127.0.0.1 ports: for tests.

Shipped with the package (as kit.testing is) so the gateway's tests and the
cross-service tests start servers the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp


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

    ``options`` are ``uvicorn.Config``'s.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, **{"http": "httptools", "log_level": "warning", **options})
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped while starting")
        await asyncio.sleep(0.01)
    return Running(url=f"http://127.0.0.1:{port}", server=server, task=task)


def free_port_url() -> str:
    """A URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

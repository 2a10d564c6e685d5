"""Real HTTP for the gateway tests: uvicorn servers on free 127.0.0.1 ports, in the test loop.

Every service of the registry runs its real app on the migrated test database; a probe
app stands in for a service where a test needs to see or shape what the
upstream does (echo headers, stream, stall). Each gateway is a real
``create_app()`` behind uvicorn with the options ``python -m gateway`` uses.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from kit_testing import Running, serve
from starlette.types import Receive, Scope, Send

from gateway.config import GatewaySettings
from gateway.main import create_app
from gateway.server import uvicorn_options
from identity.cli import _create_client
from kit.registry import registry

SLOW_SECONDS = 1.0


@dataclass
class Probe:
    """A stand-in upstream whose behaviour the tests control.

    /headers   echoes the request's path, query and headers as JSON
    /echo      streams the request body back as it arrives
    /gated     sends one chunk, then waits for ``gate`` before the rest
    /slow      answers after SLOW_SECONDS
    /hop-by-hop answers with connection-scoped headers
    /sink      reads the whole body, adding its size to ``sunk``
    /redirect  answers 307 to ``?to=``, ``{self}`` in it standing for its own origin
    """

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    first_chunk_seen: asyncio.Event = field(default_factory=asyncio.Event)
    clients: list[tuple[str, int]] = field(default_factory=list)
    sunk: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.clients.append(scope["client"])
        path = scope["path"]
        if path == "/headers":
            seen = {
                "path": path,
                "query": scope["query_string"].decode(),
                "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
            }
            await _send_whole(send, 200, json.dumps(seen).encode(), [(b"x-probe", b"1")])
        elif path == "/echo":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            more = True
            while more:
                message = await receive()
                more = message.get("more_body", False)
                if message.get("body"):
                    self.first_chunk_seen.set()
                await send(
                    {"type": "http.response.body", "body": message.get("body", b""), "more_body": more}
                )
        elif path == "/gated":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"first;", "more_body": True})
            await self.gate.wait()
            await send({"type": "http.response.body", "body": b"second"})
        elif path == "/slow":
            await asyncio.sleep(SLOW_SECONDS)
            await _send_whole(send, 200, b"late", [])
        elif path == "/hop-by-hop":
            headers = [
                (b"connection", b"x-private"),
                (b"x-private", b"secret"),
                (b"keep-alive", b"timeout=5"),
            ]
            await _send_whole(send, 200, b"ok", [*headers, (b"x-kept", b"1")])
        elif path == "/sink":
            more = True
            while more:
                message = await receive()
                self.sunk += len(message.get("body", b""))
                more = message.get("more_body", False)
            await _send_whole(send, 200, b"sunk", [])
        elif path == "/redirect":
            host = dict(scope["headers"])[b"host"]
            to = dict(parse_qsl(scope["query_string"].decode()))["to"].replace(
                "{self}", f"http://{host.decode()}"
            )
            await _send_whole(send, 307, b"", [(b"location", to.encode())])
        else:
            await _send_whole(send, 404, b"no such probe route", [])


async def _send_whole(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="session")
async def services(settings_for) -> AsyncIterator[dict[str, Running]]:  # type: ignore[no-untyped-def]
    """Every service's real app, in the registry's start-up order: each one told where the
    services started before it are (the token service first, then those it calls)."""
    running: dict[str, Running] = {}
    try:
        for service in registry().startup_order():
            peers = {name: server.url for name, server in running.items()}
            app = importlib.import_module(f"{service.package}.main").create_app(
                settings_for(service.name, service_urls=peers)
            )
            running[service.name] = await serve(app)
        yield running
    finally:
        await asyncio.gather(*(server.stop() for server in running.values()))


GatewayFactory = Callable[..., Awaitable[Running]]


@pytest.fixture(scope="session")
async def start_gateway(services: dict[str, Running]) -> AsyncIterator[GatewayFactory]:
    """``await start_gateway(rate_limit="3/minute", service_urls={"rules": ...})``: a gateway in front
    of the services (a service not in ``service_urls`` is the running one)."""
    started: list[Running] = []

    async def start(**overrides: Any) -> Running:
        urls = {name: server.url for name, server in services.items()}
        values: dict[str, Any] = {"log_level": "WARNING", "rate_limit": "100000/minute", **overrides}
        values["service_urls"] = {**urls, **overrides.get("service_urls", {})}
        settings = GatewaySettings(**values)
        options = uvicorn_options(settings)
        options.pop("loop")  # the test loop is already running
        running = await serve(create_app(settings), **options)
        started.append(running)
        return running

    yield start
    await asyncio.gather(*(server.stop() for server in reversed(started)))


@pytest.fixture(scope="session")
async def gateway(start_gateway: GatewayFactory) -> Running:
    return await start_gateway()


@pytest.fixture(scope="session")
async def probe() -> AsyncIterator[tuple[Probe, Running]]:
    app = Probe()
    running = await serve(app)
    yield app, running
    app.gate.set()
    await running.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


@pytest.fixture(scope="session")
async def admin_credentials(settings_for) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    created = await _create_client(settings_for("identity"), "gateway test admin", ["admin"])
    return created["client_id"], created["client_secret"]


@pytest.fixture(scope="session")
async def admin_token(gateway: Running, admin_credentials: tuple[str, str]) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{gateway.url}/identity/v1/token",
            data={"grant_type": "client_credentials"},
            auth=admin_credentials,
        )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]

"""Fixtures of the security suite: the world (``world.build_world``), built once per session
through the gateway, and a client of the gateway."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from kit_testing import Running, serve

from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from gateway.server import uvicorn_options
from kit.runtime import runtime_of
from tests.conftest import Stack
from tests.security.world import World, build_world

# Access tokens live 10 minutes: a world older than this is built again before it is handed out.
WORLD_MAX_AGE_SECONDS = 7 * 60
_built: dict[str, tuple[float, World | BaseException]] = {}


@pytest.fixture(scope="session")
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway (paths start with the service: ``/orders/v1/...``), one for the
    session: a client costs more to make than the requests of a matrix cell."""
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:
        yield client


@pytest.fixture
async def world(stack: Stack) -> World:
    """The cast and their objects (``tests.security.world``), shared by every test of the suite."""
    cached = _built.get(stack.gateway)
    if cached is None or time.monotonic() - cached[0] > WORLD_MAX_AGE_SECONDS:
        built: World | BaseException
        async with httpx.AsyncClient(base_url=stack.gateway, timeout=60) as client:
            try:
                built = await build_world(client, stack.gateway, stack.admin_credentials)
            except Exception as exc:  # every later test fails at once with it, not after a rebuild
                built = exc
        cached = (time.monotonic(), built)
        _built[stack.gateway] = cached
    if isinstance(cached[1], BaseException):
        raise cached[1]
    return cached[1]


@pytest.fixture
async def proxied(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway in front of the stack's identity behind a trusted proxy (the test), so that
    the attacker and the owner can call from two addresses."""
    identity_url = runtime_of(stack.apps["orders"]).settings.url_of("identity")
    settings = GatewaySettings(
        service_urls={"identity": identity_url},
        rate_limit="100000/minute",
        forwarded_allow_ips="127.0.0.1",
        log_level="WARNING",
    )
    options = uvicorn_options(settings)
    options.pop("loop")  # the test loop is already running
    running: Running = await serve(create_gateway(settings), **options)
    async with httpx.AsyncClient(base_url=running.url, timeout=30) as client:
        yield client
    await running.stop()

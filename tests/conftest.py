"""The whole system for cross-service flows: every service of the registry over real HTTP
(identity in the sandbox, so its SMS can be read back) behind a real gateway; a service that
follows feeds does so as its own machine client, with the scopes its config names, as under
`make run`."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from kit_testing import Running, serve

from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from gateway.server import uvicorn_options
from identity.cli import _create_client
from kit.registry import Service, registry


@dataclass
class Stack:
    gateway: str
    apps: dict[str, FastAPI]
    admin_credentials: tuple[str, str]


@pytest.fixture(scope="session")
async def stack(settings_for) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    apps: dict[str, FastAPI] = {}
    running: list[Running] = []
    try:
        urls: dict[str, str] = {}
        for service in registry().startup_order():  # each after the services it calls
            # The token service's SMS are read back; a feed follower's webhooks go to receivers on
            # 127.0.0.1.
            sandboxed = service == registry().token_service or service.follows_feeds
            extra: dict[str, object] = {"sandbox": True} if sandboxed else {}
            if service.follows_feeds:
                extra |= await _feed_client(settings_for, service)
            apps[service.name] = importlib.import_module(f"{service.package}.main").create_app(
                settings_for(service.name, service_urls=dict(urls), **extra)
            )
            running.append(await serve(apps[service.name]))
            urls[service.name] = running[-1].url
        settings = GatewaySettings(
            service_urls=urls,
            log_level="WARNING",
            rate_limit="100000/minute",
        )
        options = uvicorn_options(settings)
        options.pop("loop")  # the test loop is already running
        gateway = await serve(create_gateway(settings), **options)
        running.append(gateway)
        admin = await _create_client(settings_for("identity"), "flow test admin", ["admin"])
        yield Stack(
            gateway=gateway.url, apps=apps, admin_credentials=(admin["client_id"], admin["client_secret"])
        )
    finally:
        await asyncio.gather(*(server.stop() for server in reversed(running)))


async def _feed_client(settings_for, service: Service) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """``service``'s feed client, as `make run` issues it (deploy/local/run.py)."""
    config = importlib.import_module(f"{service.package}.config")
    scopes = list(getattr(config, "FEED_CLIENT_SCOPES", ["events:read"]))
    client = await _create_client(settings_for("identity"), f"{service.name} feed follower", scopes)
    return {"feed_client_id": client["client_id"], "feed_client_secret": client["client_secret"]}


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway."""
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:
        yield client

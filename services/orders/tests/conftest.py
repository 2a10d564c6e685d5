"""Fixtures of the orders tests: identity and rules over real HTTP (orders
verifies tokens and signatures against identity, and asks rules for fees and
duties), the orders app in-process (sandbox off and on), and tokens.

identity and rules come from their test support (``identity_testing``, ``rules_testing``),
never from their server packages. People and acting-for tokens: ``identity_testing.parties``
(make_user, token_for) and ``identity_testing.representation`` (signing_key, acting_for_token)
with the ``identity_app`` and ``identity_http`` fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.app import client_token, create_identity_app
from kit_testing import Running, app_client, serve
from rules_testing.app import create_rules_app

from orders.main import create_app


@pytest.fixture(scope="session")
def identity_app(settings_for) -> FastAPI:  # type: ignore[no-untyped-def]
    """identity's app object (its state mints tokens: ``identity_testing.parties.token_for``)."""
    return create_identity_app(settings_for("identity"))


@pytest.fixture(scope="session")
async def identity_server(identity_app: FastAPI) -> AsyncIterator[Running]:
    running = await serve(identity_app)
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def identity_http(identity_server: Running) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running identity (grants, acceptance, token exchange)."""
    async with httpx.AsyncClient(base_url=identity_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
async def rules_server(settings_for) -> AsyncIterator[Running]:  # type: ignore[no-untyped-def]
    running = await serve(create_rules_app(settings_for("rules")))
    yield running
    await running.stop()


@pytest.fixture(scope="session")
async def orders_app(
    settings_for,  # type: ignore[no-untyped-def]
    identity_server: Running,
    rules_server: Running,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The orders app (sandbox off) and its in-process client."""
    app = create_app(
        settings_for("orders", service_urls={"identity": identity_server.url, "rules": rules_server.url})
    )
    async with app_client(app) as client:
        yield app, client


@pytest.fixture(scope="session")
def orders(orders_app: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    """The orders app (sandbox off), verifying tokens against the running identity."""
    return orders_app[1]


@pytest.fixture(scope="session")
async def sandbox_orders(
    settings_for, identity_server: Running, rules_server: Running
) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The orders app with ``PANJEREH_SANDBOX`` on: demo sellers and car brands are served."""
    app = create_app(
        settings_for(
            "orders", service_urls={"identity": identity_server.url, "rules": rules_server.url}, sandbox=True
        )
    )
    async with app_client(app) as client:
        yield client


@pytest.fixture(scope="session")
async def admin_headers(settings_for, identity_server: Running) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = await client_token(settings_for("identity"), identity_server.url, "orders test admin", ["admin"])
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
async def agent_headers(settings_for, identity_server: Running) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A machine client without the admin scope (clearance-agent software)."""
    token = await client_token(
        settings_for("identity"), identity_server.url, "orders test agent", ["clearance-agent"]
    )
    return {"Authorization": f"Bearer {token}"}

"""Fixtures of the orders tests: identity and rules over real HTTP (orders
verifies tokens and signatures against identity, and asks rules for fees and
duties), the orders app in-process (sandbox off and on), and tokens.

People and acting-for tokens: ``identity.testing`` (make_user, token_for) and
``identity.representation_testing`` (signing_key, acting_for_token) with the
``identity_app`` and ``identity_http`` fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from identity.cli import _create_client
from identity.main import create_app as create_identity_app
from kit.testing import Running, app_client, serve
from orders.main import create_app
from rules.main import create_app as create_rules_app


@pytest.fixture(scope="session")
def identity_app(settings_for) -> FastAPI:  # type: ignore[no-untyped-def]
    """identity's app object (its state mints tokens: ``identity.testing.token_for``)."""
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


async def _token(settings_for, identity_server: Running, name: str, scopes: list[str]) -> str:  # type: ignore[no-untyped-def]
    created = await _create_client(settings_for("identity"), name, scopes)
    async with httpx.AsyncClient(base_url=identity_server.url) as http:
        response = await http.post(
            "/v1/token",
            data={"grant_type": "client_credentials"},
            auth=(created["client_id"], created["client_secret"]),
        )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="session")
async def admin_headers(settings_for, identity_server: Running) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = await _token(settings_for, identity_server, "orders test admin", ["admin"])
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
async def agent_headers(settings_for, identity_server: Running) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A machine client without the admin scope (clearance-agent software)."""
    token = await _token(settings_for, identity_server, "orders test agent", ["clearance-agent"])
    return {"Authorization": f"Bearer {token}"}

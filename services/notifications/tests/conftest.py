"""Fixtures of the notifications tests: identity over real HTTP (notifications verifies tokens
against its JWKS), the notifications app in-process on the test database, and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.app import client_token, create_identity_app
from jose import jwt
from kit_testing import Running, app_client, serve
from notifications_testing.deliveries import TEST_DELIVERY, Deliveries, Owner, Receiver

from notifications.main import create_app


@pytest.fixture(scope="session")
def identity_app(settings_for) -> FastAPI:  # type: ignore[no-untyped-def]
    """identity's app (served by ``identity_server``): ``identity_testing`` helpers take it."""
    return create_identity_app(settings_for("identity"))


@pytest.fixture(scope="session")
async def identity_server(identity_app: FastAPI) -> AsyncIterator[Running]:
    running = await serve(identity_app)
    yield running
    await running.stop()


@pytest.fixture
async def identity_http(identity_server: Running) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the identity running for the tests."""
    async with httpx.AsyncClient(base_url=identity_server.url) as client:
        yield client


@pytest.fixture(scope="session")
def notifications_app(settings_for, identity_server: Running) -> FastAPI:  # type: ignore[no-untyped-def]
    """The notifications app, outside the sandbox, with no feed credentials: it follows nothing."""
    return create_app(settings_for("notifications", service_urls={"identity": identity_server.url}))


@pytest.fixture(scope="session")
async def notifications_api(notifications_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """``notifications_app`` running, and its in-process client."""
    async with app_client(notifications_app) as client:
        yield client


@pytest.fixture(scope="session")
async def admin_headers(settings_for, identity_server: Running) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = await client_token(
        settings_for("identity"), identity_server.url, "notifications test admin", ["admin"]
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
async def agent_headers(settings_for, identity_server: Running) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A machine client without the admin scope."""
    token = await client_token(
        settings_for("identity"), identity_server.url, "notifications test agent", ["events:read"]
    )
    return {"Authorization": f"Bearer {token}"}


DELIVERY_SETTINGS = {
    "delivery_poll_seconds": 0.02,
    "delivery_timeout_seconds": 4.0,
    "delivery_connect_timeout_seconds": 1.0,
    "delivery_lease_seconds": 10.0,
    "retry_first_seconds": 0.05,
    "retry_cap_seconds": 0.4,
}


@pytest.fixture(scope="session")
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hooks = Receiver()
    running = await serve(hooks.app())
    yield hooks, running.url
    await running.stop()


@pytest.fixture(scope="session")
async def deliveries(  # type: ignore[no-untyped-def]
    settings_for, identity_server: Running, receiver: tuple[Receiver, str]
) -> AsyncIterator[Deliveries]:
    """notifications with its dispatcher on and test collaborators, in-process; a receiver served."""
    settings = settings_for(
        "notifications", service_urls={"identity": identity_server.url}, **DELIVERY_SETTINGS
    )
    app = create_app(settings, delivery=TEST_DELIVERY)
    async with app_client(app) as client:
        yield Deliveries(api=client, app=app, receiver=receiver[0], receiver_url=receiver[1])


async def _owner(settings_for: Any, identity_url: str, name: str) -> Owner:
    token = await client_token(settings_for("identity"), identity_url, name, ["events:read"])
    return Owner(
        subject=jwt.get_unverified_claims(token)["sub"], headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture(scope="session")
async def owner(settings_for, identity_server: Running) -> Owner:  # type: ignore[no-untyped-def]
    return await _owner(settings_for, identity_server.url, "notifications box owner")


@pytest.fixture(scope="session")
async def stranger(settings_for, identity_server: Running) -> Owner:  # type: ignore[no-untyped-def]
    return await _owner(settings_for, identity_server.url, "notifications stranger")

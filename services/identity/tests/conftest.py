from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from kit_testing import app_client

from identity.cli import _create_client
from identity.main import create_app


@pytest.fixture(scope="session")
async def identity(settings_for) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with app_client(create_app(settings_for("identity"))) as client:
        yield client


@pytest.fixture(scope="session")
async def admin_credentials(settings_for) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    created = await _create_client(settings_for("identity"), "test admin", ["admin"])
    return created["client_id"], created["client_secret"]


@pytest.fixture(scope="session")
async def admin_token(identity: httpx.AsyncClient, admin_credentials: tuple[str, str]) -> str:
    response = await identity.post(
        "/v1/token", data={"grant_type": "client_credentials"}, auth=admin_credentials
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="session")
async def sandbox_app(settings_for) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    """identity with ``PANJEREH_SANDBOX`` on (SMS readable at ``/v1/sandbox/sms``), and its client.

    Every test calls from one address, so the per-address login back-off and recovery limit
    are set out of reach here; the tests of those lower them where they are the subject."""
    app = create_app(
        settings_for(
            "identity",
            sandbox=True,
            login_source_lockout_threshold=100_000,
            recovery_max_per_requester_per_hour=100_000,
        )
    )
    async with app_client(app) as client:
        yield app, client


@pytest.fixture(scope="session")
def app(sandbox_app: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    return sandbox_app[0]


@pytest.fixture(scope="session")
def client(sandbox_app: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return sandbox_app[1]

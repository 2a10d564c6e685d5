"""identity for the tests of a service that trusts it: the app (run it with
``kit_testing.serve``; ``parties.token_for`` mints with its state) and machine-client tokens."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from identity.cli import _create_client
from identity.config import Settings
from identity.main import create_app


def create_identity_app(settings: Settings) -> FastAPI:
    """identity's app on ``settings`` (e.g. the root conftest's ``settings_for("identity")``)."""
    return create_app(settings)


async def machine_client(settings: Settings, name: str, scopes: list[str]) -> dict[str, str]:
    """A new machine client with ``scopes``: its ``client_id`` and ``client_secret`` (for a
    service's settings, e.g. notifications' feed client)."""
    created = await _create_client(settings, name, scopes)
    return {"client_id": created["client_id"], "client_secret": created["client_secret"]}


async def client_token(settings: Settings, identity_url: str, name: str, scopes: list[str]) -> str:
    """An access token of a new machine client with ``scopes``, by the client-credentials
    grant against the identity running at ``identity_url``."""
    created = await _create_client(settings, name, scopes)  # what `identity-cli create-client` does
    async with httpx.AsyncClient(base_url=identity_url) as http:
        response = await http.post(
            "/v1/token",
            data={"grant_type": "client_credentials"},
            auth=(created["client_id"], created["client_secret"]),
        )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]

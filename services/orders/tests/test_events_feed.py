"""orders' feed: an approval reaches a machine client an admin granted `events:read`, typed
and pointing at the file through the gateway."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from orders_testing import files as f


@pytest.fixture
async def reader(identity_http: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, str]:
    created = await identity_http.post(
        "/v1/clients", json={"name": "notifications", "scopes": ["events:read"]}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    client = created.json()
    token = await identity_http.post(
        "/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _feed(orders: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        response = await orders.get("/v1/events", params={"after": after} if after else {}, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        if not page["items"]:
            return events
        events += page["items"]
        after = page["next"]


async def test_an_approval_is_in_the_feed_with_its_file_owner_and_level(
    orders: httpx.AsyncClient, identity_app: FastAPI, admin_headers: dict[str, str], reader: dict[str, str]
) -> None:
    fida = await f.seller(orders, admin_headers)
    owner = await f.merchant(identity_app, signing=True)
    file = await f.approved(orders, owner, await f.officer(identity_app), fida)
    mine = [e for e in await _feed(orders, reader) if e["object"]["id"] == file["id"]]
    assert all(e["type"].startswith("orders.order-file.") for e in mine)
    approved = mine[-1]
    assert approved["type"] == "orders.order-file.approved"
    assert approved["object"] == {
        "kind": "order-file",
        "id": file["id"],
        "url": f"/orders/v1/order-files/{file['id']}",
    }
    assert approved["subject"] == approved["data"]["owner"]
    assert approved["access_level"] == file["access_level"]


async def test_the_feed_needs_events_read(orders: httpx.AsyncClient, agent_headers: dict[str, str]) -> None:
    response = await orders.get("/v1/events", headers=agent_headers)
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["events:read"]

"""notifications follows every service's feed over real HTTP: identity, rules, orders,
permits and transit served on their ports, notifications authenticated as a machine client an
admin granted `events:read`. An approval in orders arrives once, and stays once when the
follower reads its feed again; a client without `events:read` is refused and retries."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.app import client_token
from kit_testing import Running, app_client, serve
from orders_testing import files as f
from sqlalchemy import delete

from kit.feeds import FeedUnavailable
from kit.registry import registry
from kit.runtime import state_of
from notifications.db import feed_cursors
from notifications.main import create_app
from notifications.state import NotificationsState

ARRIVAL_SECONDS = 20
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Peers:
    urls: dict[str, str]
    apps: dict[str, FastAPI]
    admin: dict[str, str]


@pytest.fixture(scope="session")
async def peers(settings_for) -> AsyncIterator[Peers]:  # type: ignore[no-untyped-def]
    """Every service but notifications, each after the services it calls, over real HTTP."""
    urls: dict[str, str] = {}
    apps: dict[str, FastAPI] = {}
    running: list[Running] = []
    try:
        for service in registry().startup_order():
            if service.name == "notifications":
                continue
            module = importlib.import_module(f"{service.package}.main")
            apps[service.name] = module.create_app(settings_for(service.name, service_urls=dict(urls)))
            running.append(await serve(apps[service.name]))
            urls[service.name] = running[-1].url
        token = await client_token(settings_for("identity"), urls["identity"], "feeds test admin", ["admin"])
        yield Peers(urls=urls, apps=apps, admin={"Authorization": f"Bearer {token}"})
    finally:
        await asyncio.gather(*(server.stop() for server in reversed(running)))


async def _machine_client(peers: Peers, name: str, scopes: list[str]) -> dict[str, str]:
    """A machine client created through identity's admin API."""
    async with httpx.AsyncClient(base_url=peers.urls["identity"]) as identity:
        created = await identity.post(
            "/v1/clients", json={"name": name, "scopes": scopes}, headers=peers.admin
        )
    assert created.status_code == 201, created.text
    return {
        "feed_client_id": created.json()["client_id"],
        "feed_client_secret": created.json()["client_secret"],
    }


def _notifications(settings_for, peers: Peers, credentials: dict[str, str]) -> FastAPI:  # type: ignore[no-untyped-def]
    return create_app(settings_for("notifications", service_urls=peers.urls, **credentials))


@pytest.fixture(scope="session")
async def notifications(settings_for, peers: Peers) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    """notifications served over HTTP, following every feed as its feed client (`events:read`,
    and `grants:read` for identity's active grants)."""
    app = _notifications(
        settings_for, peers, await _machine_client(peers, "notifications", ["events:read", "grants:read"])
    )
    running = await serve(app)
    try:
        async with httpx.AsyncClient(base_url=running.url, timeout=30) as client:
            yield app, client
    finally:
        await running.stop()


async def _received(client: httpx.AsyncClient, admin: dict[str, str], object_id: str) -> list[dict[str, Any]]:
    """Every received event about ``object_id``, through the admin list."""
    found: list[dict[str, Any]] = []
    url: str | None = str(httpx.URL("/v1/received-events", params={"service": "orders", "limit": 100}))
    while url:
        response = await client.get(url, headers=admin)
        assert response.status_code == 200, response.text
        found += [e for e in response.json()["items"] if e["object"]["id"] == object_id]
        url = response.json()["next"]
    return found


async def test_an_approval_in_orders_arrives_once_and_stays_once_when_read_again(
    peers: Peers, notifications: tuple[FastAPI, httpx.AsyncClient]
) -> None:
    app, client = notifications
    identity_app = peers.apps["identity"]
    async with httpx.AsyncClient(base_url=peers.urls["orders"], timeout=30) as orders:
        fida = await f.seller(orders, peers.admin)
        owner = await f.merchant(identity_app, signing=True)
        file = await f.approved(orders, owner, await f.officer(identity_app), fida)

    def approvals(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events if e["type"] == "orders.order-file.approved"]

    for _ in range(ARRIVAL_SECONDS * 5):  # the follower asks orders again every 0.2 s
        if approvals(await _received(client, peers.admin, file["id"])):
            break
        await asyncio.sleep(0.2)
    (approval,) = approvals(await _received(client, peers.admin, file["id"]))
    assert approval["service"] == "orders"
    assert approval["subject"] == approval["data"]["owner"]
    assert approval["object"]["url"] == f"/orders/v1/order-files/{file['id']}"
    assert approval["access_level"] == file["access_level"]
    before = await _received(client, peers.admin, file["id"])

    # The follower loses its cursor (a restart before it was stored): it reads the feed from the start.
    follower = state_of(app, NotificationsState).followers["orders"]
    async with follower.sessionmaker.begin() as session:
        await session.execute(delete(feed_cursors).where(feed_cursors.c.feed == "orders"))
    while await follower.poll() == follower.page_size:
        pass
    assert await _received(client, peers.admin, file["id"]) == before


async def test_a_follower_without_events_read_is_refused_and_keeps_retrying(
    settings_for,
    peers: Peers,  # type: ignore[no-untyped-def]
) -> None:
    credentials = await _machine_client(peers, "notifications without events:read", ["clearance-agent"])
    app = _notifications(settings_for, peers, credentials)
    async with app_client(app) as client:
        follower = state_of(app, NotificationsState).followers["orders"]
        with pytest.raises(FeedUnavailable, match="403"):
            await follower.poll()
        running = asyncio.create_task(follower.run())
        await asyncio.sleep(1.5)
        assert not running.done()  # it logs each refusal and tries again with backoff
        running.cancel()
        assert (await client.get("/health")).status_code == 200


def _run_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("panjereh_run", ROOT / "deploy" / "local" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_make_run_issues_the_feed_client_with_its_scopes(
    database_url: str, peers: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    for service in registry().followers:
        for variable in service.feed_client_variables:
            monkeypatch.delenv(variable, raising=False)
    variables = await asyncio.to_thread(_run_script().feed_clients, database_url)
    assert set(variables) == {v for s in registry().followers for v in s.feed_client_variables}
    id_variable, secret_variable = registry()["notifications"].feed_client_variables
    async with httpx.AsyncClient(base_url=peers.urls["identity"]) as identity:
        token = await identity.post(
            "/v1/token",
            data={"grant_type": "client_credentials"},
            auth=(variables[id_variable], variables[secret_variable]),
        )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "events:read grants:read"

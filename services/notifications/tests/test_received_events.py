"""The admin list of received events: who may read it, its filters and paging. (Events
arriving from real feeds: tests/test_notifications_feeds.py.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from kit_testing import app_client

from kit.runtime import runtime_of
from notifications.events.service import receiver
from notifications.main import create_app
from panjereh_contract.events import EventObject, FeedEvent


def _event(kind: str = "order-file") -> FeedEvent:
    return FeedEvent(
        id=uuid.uuid4(),
        type=f"orders.{kind}.approved",
        subject="user:1",
        object=EventObject(kind=kind, id=str(uuid.uuid4()), url=None),
        access_level=None,
        occurred_at=datetime.now(UTC),
        data={"state": "approved"},
    )


async def test_without_a_token_it_is_401(notifications_api: httpx.AsyncClient) -> None:
    response = await notifications_api.get("/v1/received-events")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_without_the_admin_scope_it_is_403(
    notifications_api: httpx.AsyncClient, agent_headers: dict[str, str]
) -> None:
    response = await notifications_api.get("/v1/received-events", headers=agent_headers)
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["admin"]


async def test_a_foreign_cursor_is_400(
    notifications_api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await notifications_api.get(
        "/v1/received-events", params={"cursor": "bm90LW91cnM"}, headers=admin_headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid-cursor"


async def test_an_event_stored_twice_is_listed_once_and_pages_follow(
    settings_for,
    identity_server,
    admin_headers: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    app = create_app(settings_for("notifications", service_urls={"identity": identity_server.url}))
    kind = f"kind-{uuid.uuid4().hex[:8]}"
    events = [_event(kind) for _ in range(3)]
    async with app_client(app) as client:
        sessionmaker = runtime_of(app).sessionmaker
        receive = receiver("orders")
        for page in (events, [events[0]]):  # the first event again, as a page of its own
            async with sessionmaker.begin() as session:
                await receive(session, page)
        seen: list[str] = []
        query = {"service": "orders", "type": f"orders.{kind}.approved", "limit": 2}
        url: str | None = str(httpx.URL("/v1/received-events", params=query))
        while url:
            response = await client.get(url, headers=admin_headers)
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [item["id"] for item in page["items"]]
            assert all(
                item["service"] == "orders" and item["object"]["kind"] == kind for item in page["items"]
            )
            url = page["next"]
    assert seen == [str(event.id) for event in events]


async def test_without_feed_credentials_it_starts_and_says_so(
    settings_for,
    capfd: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    async with app_client(create_app(settings_for("notifications"))) as client:
        assert (await client.get("/health")).status_code == 200
    assert "no feed credentials (NOTIFICATIONS_FEED_CLIENT_ID" in capfd.readouterr().err

"""orders' feed: an approval reaches a machine client an admin granted `events:read`, typed
and pointing at the file through the gateway."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from orders_client.products import gs1_check_digit
from orders_testing import files as f
from sqlalchemy import update

from kit.clock import today_tehran
from kit.runtime import runtime_of
from orders.files import service as files_service
from orders.files.models import OrderFile
from panjereh_contract.event_types import (
    CaseInquiryData,
    EventData,
    OrderFileData,
    ProductIssuedData,
    ProductRequestRejectedData,
    event_types,
    parse_data,
)


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


# ------------------------------------------------------------------ every event fits its catalogue entry

MIMT = "issuing-authority:mimt"


def _fits(event: dict[str, Any]) -> EventData:
    """The event's type is catalogued, its data is exactly its model, and it names who reads it
    as the API does (the owner; representatives whose grant covers the scope; the office)."""
    assert event["type"] in event_types(), event["type"]
    data = parse_data(event["type"], event["data"])
    kind = event["object"]["kind"]
    if kind == "order-file":
        assert isinstance(data, OrderFileData)
        assert (event["subject"], event["scope"], event["office"]) == (data.owner, "foreign-trade", MIMT)
        assert event["access_level"] is not None
    elif kind in ("product", "product-request"):
        assert isinstance(data, ProductIssuedData | ProductRequestRejectedData)
        assert (event["subject"], event["scope"], event["office"]) == (data.requested_for, "product-id", MIMT)
        assert event["access_level"] == "very-limited"  # requests carry no level: every level sees them
    elif kind == "mikhak-case":
        assert event["subject"].startswith("client:")  # the Mikhak machine client, who alone reads cases
        assert (event["scope"], event["office"]) == (None, None)
    elif kind == "car-case-permit":
        assert isinstance(data, CaseInquiryData)
        assert (event["subject"], event["scope"], event["office"]) == (data.subject, None, None)
        assert event["object"]["url"] == f"/orders/v1/car-case-permits/inquiries/{data.inquiry_id}"
    else:
        raise AssertionError(f"no audience rule for {kind}")
    return data


async def test_an_order_files_life_is_in_the_feed_each_event_fitting_the_catalogue(
    orders: httpx.AsyncClient,
    orders_app: tuple[FastAPI, httpx.AsyncClient],
    identity_app: FastAPI,
    admin_headers: dict[str, str],
    reader: dict[str, str],
) -> None:
    fida = await f.seller(orders, admin_headers)
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    lived = await f.approved(orders, owner, reviewer, fida, months=3)
    extended = await orders.post(
        f"/v1/order-files/{lived['id']}/extend", json={"months": 3}, headers=owner.headers
    )
    assert extended.status_code == 200, extended.text
    async with runtime_of(orders_app[0]).sessionmaker() as session, session.begin():
        await session.execute(
            update(OrderFile)
            .where(OrderFile.id == uuid.UUID(lived["id"]))
            .values(expires_on=today_tehran() - dt.timedelta(days=1))
        )
        assert await files_service.expire_due(session) >= 1
    refused = await f.under_review(orders, owner, fida)
    rejected = await orders.post(
        f"/v1/order-files/{refused['id']}/reject", json={"reason": "wrong goods"}, headers=reviewer.headers
    )
    assert rejected.status_code == 200, rejected.text
    dropped = await f.submitted(orders, owner, fida)
    assert (
        await orders.post(f"/v1/order-files/{dropped['id']}/cancel", headers=owner.headers)
    ).status_code == 200
    draft = await f.create(orders, owner.headers, fida)
    assert (
        await orders.post(f"/v1/order-files/{draft['id']}/cancel", headers=owner.headers)
    ).status_code == 200

    feed = await _feed(orders, reader)
    for file, expected in (
        (lived, ["submitted", "registered", "approved", "extended", "expired"]),
        (refused, ["submitted", "registered", "rejected"]),
        (dropped, ["submitted", "cancelled"]),
        (draft, []),  # a draft was never sent: its cancellation tells nobody
    ):
        mine = [e for e in feed if e["object"]["id"] == file["id"]]
        assert [e["type"] for e in mine] == [f"orders.order-file.{what}" for what in expected]
        for event in mine:
            data = _fits(event)
            assert data.owner == f"user:{owner.party.id}"
    [approved] = [
        e for e in feed if e["type"] == "orders.order-file.approved" and e["object"]["id"] == lived["id"]
    ]
    assert approved["data"]["hs_codes"] == [f.STANDARDS_LINE]
    [cancelled] = [
        e for e in feed if e["type"] == "orders.order-file.cancelled" and e["object"]["id"] == dropped["id"]
    ]
    assert cancelled["data"]["from_status"] == "submitted"


def _phone(**attributes: str) -> dict[str, Any]:
    body = "626" + "".join(random.choices("0123456789", k=9))
    return {
        "heading": "mobile-phone",
        "international_code": {"type": "gtin", "value": body + str(gs1_check_digit(body))},
        "hs_code": "85171390",
        "unit": "u",
        "packaging": {"type": "box", "weight_kg": "0.45"},
        "attributes": {"brand": "samsung", "model": f"Feed {uuid.uuid4().hex[:10]}", **attributes},
    }


async def test_product_ids_issued_and_requests_rejected_are_the_merchants_in_the_feed(
    orders: httpx.AsyncClient, identity_app: FastAPI, reader: dict[str, str]
) -> None:
    owner = await f.merchant(identity_app)
    officer = await f.officer(identity_app)
    issued = await orders.post(
        "/v1/products", json=_phone(memory="128gb", colour="black"), headers=owner.headers
    )
    assert issued.status_code == 201, issued.text
    product_id = issued.json()["product_id"]
    card = _phone(colour="black")
    card["new_values"] = [
        {"attribute": "memory", "name_fa": "۱ ترابایت", "name_en": f"1 TB {uuid.uuid4().hex[:4]}"}
    ]
    supervised = await orders.post("/v1/products", json=card, headers=owner.headers)
    assert supervised.status_code == 201, supervised.text
    request_id = supervised.json()["id"]
    rejected = await orders.post(
        f"/v1/product-requests/{request_id}/reject",
        json={"reason": "Not a real size"},
        headers=officer.headers,
    )
    assert rejected.status_code == 200, rejected.text

    feed = await _feed(orders, reader)
    [issue] = [
        e
        for e in feed
        if e["object"] == {"kind": "product", "id": product_id, "url": f"/orders/v1/products/{product_id}"}
    ]
    assert issue["type"] == "orders.product.issued"
    data = _fits(issue)
    assert data.requested_for == f"user:{owner.party.id}"
    [refusal] = [e for e in feed if e["object"]["id"] == request_id]
    assert refusal["type"] == "orders.product-request.rejected"
    assert refusal["object"]["url"] == f"/orders/v1/product-requests/{request_id}"
    data = _fits(refusal)
    assert (data.requested_for, data.reason) == (f"user:{owner.party.id}", "Not a real size")


async def test_every_event_in_the_feed_fits_the_catalogue(
    orders: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    """Whatever this session's tests made orders publish (cars and cases included when they ran)."""
    feed = await _feed(orders, reader)
    assert feed
    for event in feed:
        _fits(event)

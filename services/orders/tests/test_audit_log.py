"""orders' security audit log: final registrations, approvals, rejections and product-ID
supervision decisions, with who, for whom, from where and in which request; admins only;
unalterable."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from orders_client.products import gs1_check_digit
from orders_testing import files as f
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kit.runtime import runtime_of


@pytest.fixture(scope="module")
async def fida(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    return await f.seller(orders, admin_headers)


async def _events(orders: httpx.AsyncClient, admin: dict[str, str], **filters: Any) -> list[dict[str, Any]]:
    response = await orders.get("/v1/audit-events", params=filters, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_final_registration_by_a_representative_and_the_approval_are_recorded(
    orders: httpx.AsyncClient,
    identity_app: FastAPI,
    identity_http: httpx.AsyncClient,
    admin_headers: dict[str, str],
    fida: str,
) -> None:
    owner = await f.merchant(identity_app)
    agent = await f.representative(identity_app, identity_http, owner, access_level="full", signing=True)
    reviewer = await f.officer(identity_app)
    file = await f.under_review(orders, f.Merchant(owner.party, agent.headers, agent.key), fida)
    rid = f"approve-{uuid.uuid4().hex}"
    approved = await orders.post(
        f"/v1/order-files/{file['id']}/approve", headers={**reviewer.headers, "X-Request-ID": rid}
    )
    assert approved.status_code == 200, approved.text

    events = await _events(orders, admin_headers, object_type="order-file", object_id=file["id"])
    assert [e["action"] for e in events] == ["order-file.final-registration", "order-file.approved"]
    registered, approval = events
    assert registered["actor"] == f"user:{agent.party.id}"
    assert registered["on_behalf_of"] == f"user:{owner.party.id}"
    assert registered["details"]["kid"]
    assert approval["actor"] == f"user:{reviewer.party.id}"
    assert approval["on_behalf_of"] is None
    assert approval["request_id"] == rid
    assert approval["source_address"] == "127.0.0.1"
    assert (await _events(orders, admin_headers, request_id=rid)) == [approval]


async def test_a_rejection_is_recorded_with_its_reason(
    orders: httpx.AsyncClient, identity_app: FastAPI, admin_headers: dict[str, str], fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    file = await f.under_review(orders, owner, fida)
    rejected = await orders.post(
        f"/v1/order-files/{file['id']}/reject",
        json={"reason": "Proforma unreadable"},
        headers=reviewer.headers,
    )
    assert rejected.status_code == 200, rejected.text
    (event,) = await _events(orders, admin_headers, action="order-file.rejected", object_type="order-file",
                             object_id=file["id"])  # fmt: skip
    assert event["actor"] == f"user:{reviewer.party.id}"
    assert event["details"] == {"reason": "Proforma unreadable"}


def _supervised_phone() -> dict[str, Any]:
    """A phone card with a colour not on the list yet: it goes to supervision."""
    tag = uuid.uuid4().hex[:8]
    gtin = "626" + "".join(random.choices("0123456789", k=9))
    return {
        "heading": "mobile-phone",
        "international_code": {"type": "gtin", "value": gtin + str(gs1_check_digit(gtin))},
        "hs_code": "85171390",
        "unit": "u",
        "packaging": {"type": "box", "weight_kg": "0.45"},
        "attributes": {"brand": "samsung", "model": f"Audit {uuid.uuid4().hex[:10]}", "memory": "128gb"},
        "new_values": [{"attribute": "colour", "name_fa": f"ممیزی {tag}", "name_en": f"Audit {tag}"}],
    }


@pytest.mark.parametrize(("decision", "action"), [("approve", "approved"), ("reject", "rejected")])
async def test_supervision_decisions_are_recorded(
    orders: httpx.AsyncClient,
    identity_app: FastAPI,
    admin_headers: dict[str, str],
    decision: str,
    action: str,
) -> None:
    owner = await f.merchant(identity_app)
    reviewer = await f.officer(identity_app)
    created = await orders.post("/v1/products", json=_supervised_phone(), headers=owner.headers)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    body = {"reason": "Not a real colour"} if decision == "reject" else None
    decided = await orders.post(
        f"/v1/product-requests/{request_id}/{decision}", json=body, headers=reviewer.headers
    )
    assert decided.status_code == 200, decided.text
    (event,) = await _events(orders, admin_headers, object_type="product-request", object_id=request_id)
    assert event["action"] == f"product-request.{action}"
    assert event["actor"] == f"user:{reviewer.party.id}"


async def test_only_admins_query(
    orders: httpx.AsyncClient, identity_app: FastAPI, agent_headers: dict[str, str]
) -> None:
    assert (await orders.get("/v1/audit-events")).status_code == 401
    assert (await orders.get("/v1/audit-events", headers=agent_headers)).status_code == 403
    officer = await f.officer(identity_app)
    assert (await orders.get("/v1/audit-events", headers=officer.headers)).status_code == 403


async def test_the_log_cannot_be_altered(orders_app: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, _ = orders_app
    async with runtime_of(app).sessionmaker() as session:
        for statement in (
            "UPDATE orders.audit_log SET actor = 'user:nobody'",
            "DELETE FROM orders.audit_log",
            "TRUNCATE orders.audit_log",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
            await session.rollback()

"""Authorization findings 4, 6 and 10, replayed through the gateway over real HTTP.

4  A trader-role grant with scope `full` let its representative list and read the merchant's
   order files and product requests. Now a scope counts only in the grant's role: refused (403).
6  A ministry officer who represented the merchant and signed the final registration approved
   it himself; the same for product-ID supervision. Now 403 `conflict-of-interest`.
10 A customs-office officer read a merchant's draft product-ID request. Now drafts are the
   merchant's alone, and sent requests are seen by the ministry's officers only: 404.

Each attack is followed by the legitimate path, which still works. People and tokens come from
identity's test factories; every request goes through the gateway.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import acting_for_token, signing_key
from orders_testing import files as f

from tests.conftest import Stack

MIMT = {"kind": "issuing-authority", "code": "mimt", "name": "Ministry of Industry, Mine and Trade"}
CUSTOMS = {"kind": "customs-office", "code": "50100", "name": "Bandar Abbas customs"}


def refused(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    assert response.headers["content-type"].startswith("application/problem+json")
    if code is not None:
        assert response.json()["code"] == code, response.json()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json()


def phone_card(*, new_colour: bool = False) -> dict[str, Any]:
    card: dict[str, Any] = {
        "heading": "mobile-phone",
        "international_code": {"type": "other", "scheme": "internal", "value": uuid.uuid4().hex[:12].upper()},
        "hs_code": "85171390",
        "unit": "u",
        "packaging": {"type": "box", "weight_kg": "0.45"},
        "attributes": {"brand": "samsung", "model": f"Galaxy {uuid.uuid4().hex[:8]}", "memory": "128gb"},
    }
    if new_colour:
        tag = uuid.uuid4().hex[:8]
        card["new_values"] = [{"attribute": "colour", "name_fa": f"فیروزه‌ای {tag}", "name_en": f"Teal {tag}"}]
    else:
        card["attributes"]["colour"] = "black"
    return card


@pytest.fixture
async def orders(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stack.gateway}/orders", timeout=30) as client:
        yield client


@pytest.fixture
async def identity_http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stack.gateway}/identity", timeout=30) as client:
        yield client


@pytest.fixture
async def fida(stack: Stack, http: httpx.AsyncClient, orders: httpx.AsyncClient) -> str:
    issued = ok(
        await http.post(
            "/identity/v1/token", data={"grant_type": "client_credentials"}, auth=stack.admin_credentials
        )
    )
    return await f.seller(orders, bearer(issued["access_token"]))


async def officer(stack: Stack, office: dict[str, str]) -> tuple[Any, dict[str, str]]:
    party = await make_user(stack.apps["identity"], roles=("base-natural", "officer"))
    token = await token_for(stack.apps["identity"], party, roles=["base-natural", "officer"], office=office)
    return party, bearer(token)


async def test_4_a_trader_full_grant_reads_no_order_file_or_product_request(
    stack: Stack, orders: httpx.AsyncClient, identity_http: httpx.AsyncClient, fida: str
) -> None:
    app = stack.apps["identity"]
    merchant = await f.merchant(app, trader=True)
    file = await f.create(orders, merchant.headers, fida, access_level="very-limited")
    draft = ok(
        await orders.post(
            "/v1/product-requests", json={**phone_card(), "submit": False}, headers=merchant.headers
        ),
        201,
    )

    # The attacker holds the merchant's trader-role grant, scope `full`, level full.
    attacker = await f.representative(
        app, identity_http, merchant, role="trader", scopes=["full"], access_level="full"
    )
    refused(await orders.get("/v1/order-files", headers=attacker.headers), 403, "scope-missing")
    refused(await orders.get(f"/v1/order-files/{file['id']}", headers=attacker.headers), 403, "scope-missing")
    refused(
        await orders.get("/v1/product-requests", headers=attacker.headers), 403, "product-id-needs-merchant"
    )
    refused(
        await orders.get(f"/v1/product-requests/{draft['id']}", headers=attacker.headers),
        403,
        "product-id-needs-merchant",
    )

    # A merchant-role grant still reads both.
    agent = await f.representative(
        app, identity_http, merchant, scopes=["foreign-trade", "product-id"], access_level="very-limited"
    )
    assert ok(await orders.get(f"/v1/order-files/{file['id']}", headers=agent.headers))["id"] == file["id"]
    listed = ok(await orders.get("/v1/order-files", params={"limit": 100}, headers=agent.headers))
    assert file["id"] in [i["id"] for i in listed["items"]]
    assert (
        ok(await orders.get(f"/v1/product-requests/{draft['id']}", headers=agent.headers))["id"]
        == draft["id"]
    )


async def test_6_an_officer_who_represents_the_merchant_and_signed_does_not_approve(
    stack: Stack, orders: httpx.AsyncClient, identity_http: httpx.AsyncClient, fida: str
) -> None:
    app = stack.apps["identity"]
    merchant = await f.merchant(app)
    insider, insider_own = await officer(stack, MIMT)
    token, _ = await acting_for_token(
        app,
        identity_http,
        merchant.party,
        insider,
        scopes=["foreign-trade", "product-id"],
        access_level="full",
    )
    as_agent = f.Merchant(party=insider, headers=bearer(token), key=await signing_key(app, insider))

    # As the merchant's representative he registers and signs the file...
    file = await f.submitted(orders, as_agent, fida)
    path = f"/v1/order-files/{file['id']}"
    raw, signature = f.signed(as_agent.key, {"validity_months": 3}, file)
    ok(
        await orders.post(
            f"{path}/final-registration", content=raw, headers={**as_agent.headers, **signature}
        )
    )
    # ...then, with his own officer token, he cannot approve or reject it.
    refused(await orders.post(f"{path}/approve", headers=insider_own), 403, "conflict-of-interest")
    refused(
        await orders.post(f"{path}/reject", json={"reason": "x"}, headers=insider_own),
        403,
        "conflict-of-interest",
    )

    # Product supervision likewise: a request he sent for the merchant.
    sent = ok(
        await orders.post("/v1/products", json=phone_card(new_colour=True), headers=as_agent.headers), 201
    )
    assert sent["state"] == "under-supervision"
    refused(
        await orders.post(f"/v1/product-requests/{sent['id']}/approve", headers=insider_own),
        403,
        "conflict-of-interest",
    )

    # An unrelated officer of the ministry approves both.
    _, unrelated = await officer(stack, MIMT)
    assert ok(await orders.post(f"{path}/approve", headers=unrelated))["status"] == "approved"
    assert (
        ok(await orders.post(f"/v1/product-requests/{sent['id']}/approve", headers=unrelated))["state"]
        == "issued"
    )


async def test_10_a_customs_officer_reads_no_draft_product_request(
    stack: Stack, orders: httpx.AsyncClient
) -> None:
    merchant = await f.merchant(stack.apps["identity"])
    draft = ok(
        await orders.post(
            "/v1/product-requests",
            json={**phone_card(new_colour=True), "submit": False},
            headers=merchant.headers,
        ),
        201,
    )
    path = f"/v1/product-requests/{draft['id']}"
    _, customs = await officer(stack, CUSTOMS)
    _, ministry = await officer(stack, MIMT)
    refused(await orders.get(path, headers=customs), 404, "product-request-not-found")
    listed = ok(await orders.get("/v1/product-requests", params={"limit": 100}, headers=customs))
    assert draft["id"] not in [r["id"] for r in listed["items"]]
    # Not even the ministry's officers see a draft.
    refused(await orders.get(path, headers=ministry), 404, "product-request-not-found")

    # Once sent: the ministry's officers see and decide it; a customs officer still sees nothing.
    assert ok(await orders.post(f"{path}/submit", headers=merchant.headers))["state"] == "under-supervision"
    refused(await orders.get(path, headers=customs), 404, "product-request-not-found")
    refused(await orders.post(f"{path}/approve", headers=customs), 403, "product-supervision-needs-officer")
    assert ok(await orders.get(path, headers=ministry))["state"] == "under-supervision"
    assert ok(await orders.get(path, headers=merchant.headers))["state"] == "under-supervision"

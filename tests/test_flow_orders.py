"""Issue 5's "done when", through the gateway over real HTTP.

An agent acting for a merchant at medium level registers a product, creates a file with two
lines (one needing a standards permit) and signs its final registration; an officer approves it,
and the agent cannot see another file the merchant set to full. Then Mikhak's approval lets an
eligible Iranian living abroad register their car (a personal-car file, no currency transfer,
100% car duty); before it, the case-permit inquiry and the car line are refused.

People and tokens come from identity's test factories; every call to orders goes through the
gateway (``/orders/...``), identity's too where the test speaks to it (``/identity/...``).
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from identity_testing.parties import bearer, make_user, token_for
from orders_testing import files as f

from identity.cli import _create_client
from tests.conftest import Stack

NO_TRANSFER = {
    "transaction_type": "non-banking",
    "currency_source": "no-currency-transfer",
    "payment_method": "no-currency-transfer",
}
_serial = itertools.count(random.randrange(10**8))


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json()


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


def car_card(vin: str) -> dict[str, Any]:
    return {
        "heading": "passenger-car",
        "international_code": {"type": "vin", "value": vin},
        "hs_code": f.STANDARDS_LINE,
        "unit": "u",
        "packaging": {"type": "unpacked", "weight_kg": "1350"},
        "attributes": {"brand": "toyota", "model": "corolla", "model-year": "2023", "fuel": "petrol"},
    }


def vin() -> str:
    return f"JTDBR32E7{next(_serial) % 10**8:08d}"


@pytest.fixture
async def orders(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of orders through the gateway."""
    async with httpx.AsyncClient(base_url=f"{stack.gateway}/orders", timeout=30) as client:
        yield client


@pytest.fixture
async def identity_http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of identity through the gateway."""
    async with httpx.AsyncClient(base_url=f"{stack.gateway}/identity", timeout=30) as client:
        yield client


async def client_token(http: httpx.AsyncClient, credentials: tuple[str, str]) -> dict[str, str]:
    issued = ok(
        await http.post("/identity/v1/token", data={"grant_type": "client_credentials"}, auth=credentials)
    )
    return bearer(issued["access_token"])


async def test_an_agent_registers_an_order_for_a_merchant_and_an_iranian_abroad_registers_a_car(
    stack: Stack,
    http: httpx.AsyncClient,
    orders: httpx.AsyncClient,
    identity_http: httpx.AsyncClient,
    settings_for,  # type: ignore[no-untyped-def]
) -> None:
    identity_app = stack.apps["identity"]
    admin = await client_token(http, stack.admin_credentials)
    fida = await f.seller(orders, admin)

    # An agent acting for a merchant at medium level (foreign trade and product IDs), with a signing key.
    merchant = await f.merchant(identity_app)
    agent = await f.representative(
        identity_app,
        identity_http,
        merchant,
        access_level="medium",
        scopes=["foreign-trade", "product-id"],
        signing=True,
    )

    # The agent registers a product: a car, whose product ID carries its VIN.
    car_vin = vin()
    product = ok(await orders.post("/v1/products", json=car_card(car_vin), headers=agent.headers), 201)
    assert product["state"] == "issued"
    assert product["product"]["vin"] == car_vin

    # A file at medium level with two lines: the car (standards permit) and medicines (food and drug).
    file = ok(
        await orders.post(
            "/v1/order-files", json=f.file_body(fida, access_level="medium"), headers=agent.headers
        ),
        201,
    )
    assert file["owner"] == f"user:{merchant.party.id}"
    assert file["created_by"] == f"user:{agent.party.id}"  # the agent, for the merchant
    path = f"/v1/order-files/{file['id']}"
    car_line = ok(
        await orders.post(
            f"{path}/lines",
            json=f.line_body(product_id=product["product_id"], quantity="1", value="30000"),
            headers=agent.headers,
        ),
        201,
    )
    assert [p["kind"] for p in car_line["permits"]] == ["standards"]
    medicine = ok(
        await orders.post(f"{path}/lines", json=f.line_body(f.HEALTH_LINE, unit="kg"), headers=agent.headers),
        201,
    )
    assert [p["kind"] for p in medicine["permits"]] == ["food-and-drug"]

    # Submitted (the fee from the rules service) and signed by the agent: under review.
    submitted = ok(await orders.post(f"{path}/submit", headers=agent.headers))
    assert submitted["fees"][0]["amount_rials"] > 0
    raw, signature = f.signed(agent.key, {"validity_months": 6}, submitted)
    registered = ok(
        await orders.post(f"{path}/final-registration", content=raw, headers={**agent.headers, **signature})
    )
    assert registered["status"] == "under-review"
    assert registered["registration"]["signer"] == f"user:{agent.party.id}"

    # An officer approves it.
    officer = await f.officer(identity_app)
    approved = ok(await orders.post(f"{path}/approve", headers=officer.headers))
    assert approved["status"] == "approved"
    assert approved["expires_on"]
    assert ok(await orders.get(path, headers=agent.headers))["status"] == "approved"

    # The merchant's own file at level full: the agent (medium) neither reads nor lists it.
    full = ok(
        await orders.post(
            "/v1/order-files", json=f.file_body(fida, access_level="full"), headers=merchant.headers
        ),
        201,
    )
    refused(
        await orders.get(f"/v1/order-files/{full['id']}", headers=agent.headers), 404, "order-file-not-found"
    )
    listed = {item["id"] for item in ok(await orders.get("/v1/order-files", headers=agent.headers))["items"]}
    assert file["id"] in listed
    assert full["id"] not in listed
    owner_listed = {
        item["id"] for item in ok(await orders.get("/v1/order-files", headers=merchant.headers))["items"]
    }
    assert {file["id"], full["id"]} <= owner_listed

    # ------------------------------------------------------------------ the car of an Iranian abroad
    created = await _create_client(settings_for("identity"), "flow test mikhak", ["mikhak-feed"])
    mikhak = await client_token(http, (created["client_id"], created["client_secret"]))
    brand = f"flowcar-{uuid.uuid4().hex[:8]}"
    ok(await orders.post("/v1/car-brands", json={"id": brand, "name": brand}, headers=admin), 201)
    ok(
        await orders.post(
            f"/v1/car-brands/{brand}/models", json={"id": "sedan-x", "name": "Sedan X"}, headers=admin
        ),
        201,
    )
    person = await make_user(identity_app, roles=("base-natural",))
    applicant = bearer(await token_for(identity_app, person, roles=["base-natural"]))
    own_vin = vin()
    own_car = ok(await orders.post("/v1/products", json=car_card(own_vin), headers=merchant.headers), 201)
    case = {
        "case_id": f"MK-{uuid.uuid4().hex[:12]}",
        "national_code": person.national_code,
        "first_name": "Sara",
        "last_name": "Ahmadi",
        "birth_date": "1990-01-01",
        "residence_country": "DE",
        "residence_start_date": "2020-05-01",
        "confirming_mission": "Embassy of the I.R. of Iran, Berlin",
        "days_abroad_in_1404": 200,
        "car": {
            "brand": brand,
            "model": "Sedan X",
            "vin": own_vin,
            "manufacture_date": "2022-06-01",
            "ownership_date": "2023-01-10",
        },
        "submitted_on": "2026-01-15",
        "status": "submitted",
    }
    ok(await orders.post("/v1/mikhak/cases", json=case, headers=mikhak), 201)

    car_file = ok(
        await orders.post(
            "/v1/order-files",
            json=f.file_body(fida, kind="personal-car", currency="USD", **NO_TRANSFER),
            headers=applicant,
        ),
        201,
    )
    car_path = f"/v1/order-files/{car_file['id']}"
    line = f.line_body(product_id=own_car["product_id"], quantity="1", value="20000")

    # Without the approval: the inquiry is refused, and so is the car order.
    inquiry = {"mikhak_case_id": case["case_id"]}
    refused(
        await orders.post("/v1/car-case-permits/inquiries", json=inquiry, headers=applicant),
        409,
        "case-approval-not-received",
    )
    refused(
        await orders.post(f"{car_path}/lines", json=line, headers=applicant),
        409,
        "car-case-permit-inquiry-missing",
    )

    # Mikhak's approval arrives: the inquiry succeeds and the car order is registered.
    decided = {**case, "status": "approved", "decided_on": "2026-02-01"}
    ok(await orders.post("/v1/mikhak/cases", json=decided, headers=mikhak))
    permit = ok(await orders.post("/v1/car-case-permits/inquiries", json=inquiry, headers=applicant), 201)
    assert permit["car"]["vin"] == own_vin
    assert permit["payment_method"] == "no-currency-transfer"
    ok(await orders.post(f"{car_path}/lines", json=line, headers=applicant), 201)
    estimate = ok(await orders.get(f"{car_path}/duties-estimate", headers=applicant))
    (duties,) = estimate["lines"]
    assert duties["duty_category"] == "cars"
    assert duties["duties"] == duties["customs_value_rials"] > 0  # the 100% car duty
    car_submitted = ok(await orders.post(f"{car_path}/submit", headers=applicant))
    assert car_submitted["status"] == "submitted"
    assert car_submitted["payment_method"] == "no-currency-transfer"

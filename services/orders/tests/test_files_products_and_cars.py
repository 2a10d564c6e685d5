"""Product IDs on order lines, and the personal car import of an Iranian living abroad: the
base-natural role, "no currency transfer", the car's product ID with its VIN, the successful
case-permit inquiry (refused without the Mikhak approval) and the 100% car duty."""

from __future__ import annotations

import itertools
import random
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.app import client_token
from identity_testing.parties import bearer, make_user, token_for
from kit_testing import Running
from orders_testing import files as f

_serial = itertools.count(random.randrange(10**8))
NO_TRANSFER = {
    "transaction_type": "non-banking",
    "currency_source": "no-currency-transfer",
    "payment_method": "no-currency-transfer",
}


def _vin() -> str:
    return f"JTDBR32E7{next(_serial) % 10**8:08d}"


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    return body


async def _product(orders: httpx.AsyncClient, headers: dict[str, str], vin: str) -> dict[str, Any]:
    card = {
        "heading": "passenger-car",
        "international_code": {"type": "vin", "value": vin},
        "hs_code": f.STANDARDS_LINE,
        "unit": "u",
        "packaging": {"type": "unpacked", "weight_kg": "1350"},
        "attributes": {"brand": "toyota", "model": "corolla", "model-year": "2023", "fuel": "petrol"},
    }
    response = await orders.post("/v1/products", json=card, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "issued"
    return response.json()["product"]


@pytest.fixture
async def fida(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    return await f.seller(orders, admin_headers)


# ------------------------------------------------------------------ product IDs on lines


async def test_a_line_product_id_must_be_issued_and_of_the_lines_hs_code(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    path = f"/v1/order-files/{(await f.create(orders, owner.headers, fida))['id']}"
    product = await _product(orders, owner.headers, _vin())

    unknown = await orders.post(
        f"{path}/lines", json=f.line_body(product_id="2999999999999"), headers=owner.headers
    )
    assert _problem(unknown, 422, "product-id-unknown")["errors"][0]["pointer"] == "#/body/product_id"
    other = await orders.post(
        f"{path}/lines",
        json=f.line_body(f.HEALTH_LINE, unit="kg", product_id=product["product_id"]),
        headers=owner.headers,
    )
    assert _problem(other, 422, "product-hs-code-mismatch")["errors"][0]["pointer"] == "#/body/product_id"

    added = await orders.post(
        f"{path}/lines", json=f.line_body(product_id=product["product_id"]), headers=owner.headers
    )
    assert added.status_code == 201, added.text
    assert added.json()["product_id"] == product["product_id"]
    without = await orders.post(f"{path}/lines", json=f.line_body(), headers=owner.headers)
    assert without.status_code == 201
    etag = (await orders.get(path, headers=owner.headers)).headers["ETag"]
    changed = await orders.patch(
        f"{path}/lines/{without.json()['id']}",
        json={"product_id": "2999999999999"},
        headers={**owner.headers, "If-Match": etag},
    )
    _problem(changed, 422, "product-id-unknown")


# ------------------------------------------------------------------ the personal car


@pytest.fixture(scope="module")
async def mikhak(settings_for, identity_server: Running) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return bearer(
        await client_token(
            settings_for("identity"), identity_server.url, "orders test mikhak (files)", ["mikhak-feed"]
        )
    )


@pytest.fixture(scope="module")
async def brand(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    brand_id = f"testcar-{uuid.uuid4().hex[:8]}"
    response = await orders.post(
        "/v1/car-brands", json={"id": brand_id, "name": brand_id}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    response = await orders.post(
        f"/v1/car-brands/{brand_id}/models", json={"id": "sedan-x", "name": "Sedan X"}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    return brand_id


def _case(brand: str, national_code: str, vin: str, status: str) -> dict[str, Any]:
    """An eligible case entered 1404/10/25 (the decision, when given, 1404/11/12)."""
    case: dict[str, Any] = {
        "case_id": f"MK-{uuid.uuid4().hex[:12]}",
        "national_code": national_code,
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
            "vin": vin,
            "manufacture_date": "2022-06-01",
            "ownership_date": "2023-01-10",
        },
        "submitted_on": "2026-01-15",
        "status": status,
    }
    if status != "submitted":
        case["decided_on"] = "2026-02-01"
    return case


async def test_a_personal_car_file_needs_the_base_natural_applicant_and_no_currency_transfer(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    person = await make_user(identity_app, roles=("base-natural",))
    headers = bearer(await token_for(identity_app, person, roles=["base-natural"]))
    for field in NO_TRANSFER:
        body = f.file_body(fida, kind="personal-car", **{**NO_TRANSFER, field: f.file_body(fida)[field]})
        refused = await orders.post("/v1/order-files", json=body, headers=headers)
        problem = _problem(refused, 422, "order-field-invalid")
        assert problem["errors"][0]["pointer"] == f"#/body/{field}"
    # Without kind the person is no merchant: refused as before.
    plain = await orders.post("/v1/order-files", json=f.file_body(fida, **NO_TRANSFER), headers=headers)
    assert plain.status_code == 403
    assert plain.json()["code"] == "merchant-role-required"
    # A representative of a merchant may not register someone's personal car.
    grantor = await f.merchant(identity_app)
    agent = await f.representative(identity_app, identity_http, grantor, scopes=["foreign-trade"])
    body = f.file_body(fida, kind="personal-car", **NO_TRANSFER)
    _problem(
        await orders.post("/v1/order-files", json=body, headers=agent.headers),
        403,
        "personal-car-applicant-only",
    )
    created = await orders.post("/v1/order-files", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == "personal-car"


async def test_the_car_line_needs_the_car_product_and_a_successful_inquiry_and_shows_the_full_duty(
    orders: httpx.AsyncClient,
    identity_app: FastAPI,
    mikhak: dict[str, str],
    brand: str,
    fida: str,
) -> None:
    person = await make_user(identity_app, roles=("base-natural",))
    headers = bearer(await token_for(identity_app, person, roles=["base-natural"]))
    vin = _vin()
    product = await _product(orders, (await f.merchant(identity_app)).headers, vin)
    file = await f.create(orders, headers, fida, kind="personal-car", currency="USD", **NO_TRANSFER)
    path = f"/v1/order-files/{file['id']}"
    car_line = f.line_body(quantity="1", value="20000", product_id=product["product_id"])

    not_a_car = await orders.post(
        f"{path}/lines", json=f.line_body(f.HEALTH_LINE, unit="kg"), headers=headers
    )
    assert _problem(not_a_car, 422, "personal-car-goods-only")["errors"][0]["pointer"] == "#/body/hs_code"
    no_product = await orders.post(f"{path}/lines", json=f.line_body(quantity="1"), headers=headers)
    assert _problem(no_product, 422, "car-product-id-required")["errors"][0]["pointer"] == "#/body/product_id"

    # Mikhak has the case, not yet approved: the inquiry is refused, and so is the car line.
    case = _case(brand, person.national_code, vin, "submitted")
    assert (await orders.post("/v1/mikhak/cases", json=case, headers=mikhak)).status_code == 201
    inquiry = await orders.post(
        "/v1/car-case-permits/inquiries", json={"mikhak_case_id": case["case_id"]}, headers=headers
    )
    assert inquiry.status_code == 409
    missing = await orders.post(f"{path}/lines", json=car_line, headers=headers)
    assert _problem(missing, 409, "car-case-permit-inquiry-missing")["vin"] == vin

    # The approval arrives; after a successful inquiry the car line is accepted.
    approved = {**case, "status": "approved", "decided_on": "2026-02-01"}
    assert (await orders.post("/v1/mikhak/cases", json=approved, headers=mikhak)).status_code == 200
    inquiry = await orders.post(
        "/v1/car-case-permits/inquiries", json={"mikhak_case_id": case["case_id"]}, headers=headers
    )
    assert inquiry.status_code == 201, inquiry.text
    added = await orders.post(f"{path}/lines", json=car_line, headers=headers)
    assert added.status_code == 201, added.text

    estimate = (await orders.get(f"{path}/duties-estimate", headers=headers)).json()
    (line,) = estimate["lines"]
    assert line["duty_category"] == "cars"
    assert line["duties"] == line["customs_value_rials"] > 0  # 100%
    assert "100%" in line["note"]

    # Revoked since: the file cannot be submitted.
    revoked = await orders.post(
        f"/v1/mikhak/cases/{case['case_id']}/revocation", json={"reason": "Duplicate case"}, headers=mikhak
    )
    assert revoked.status_code == 200, revoked.text
    _problem(await orders.post(f"{path}/submit", headers=headers), 409, "car-case-permit-inquiry-missing")

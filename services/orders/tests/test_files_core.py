"""Order-registration files: drafts, validation, ETag/If-Match, lists, prerequisites."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import httpx
import jdatetime
import pytest
from fastapi import FastAPI
from orders_testing import files as f
from sqlalchemy import func, select

from kit.clock import today_tehran
from kit.pagination import encode_cursor
from kit.runtime import runtime_of
from orders.files.charges import ExchangeRates
from orders.files.models import OrderFile


@pytest.fixture
async def fida(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    return await f.seller(orders, admin_headers)


async def _count_files(app: FastAPI, owner: str) -> int:
    async with runtime_of(app).sessionmaker() as session:
        return int(await session.scalar(select(func.count()).where(OrderFile.owner == owner)) or 0)


async def test_a_merchant_creates_a_draft_with_every_field(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    issued = dt.date(2026, 3, 21)  # 1405-01-01, Nowruz
    sent = f.file_body(fida, proforma_issued_on=issued.isoformat())
    response = await orders.post("/v1/order-files", json=sent, headers=owner.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["proforma_issued_on"], body["proforma_issued_on_jalali"]) == ("2026-03-21", "1405-01-01")
    expires = dt.date.fromisoformat(sent["proforma_expires_on"])
    assert body["proforma_expires_on_jalali"] == jdatetime.date.fromgregorian(date=expires).strftime(
        "%Y-%m-%d"
    )
    assert body["approved_on"] is body["approved_on_jalali"] is None
    assert body["status"] == "draft"
    assert body["owner"] == f"user:{owner.party.id}"
    assert body["access_level"] == "full"
    assert body["seller"] == {"fida_id": fida, "name": f"Seller {fida}"}
    assert body["total_amount"] == "120000.5"
    assert body["freight_amount"] == "3000"
    assert body["entry_border"] == "shahid-rajaee"
    assert body["lines"] == []
    assert body["fees"] == []
    assert response.headers["ETag"] == f'"{body["id"]}.1"'
    assert response.headers["Location"].endswith(f"/v1/order-files/{body['id']}")

    read = await orders.get(f"/v1/order-files/{body['id']}", headers=owner.headers)
    assert read.status_code == 200
    assert read.json() == body


async def test_offices_by_code_are_stored_by_id(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    body = await f.create(orders, owner.headers, fida, entry_border="30300", destination_customs="10300")
    assert (body["entry_border"], body["destination_customs"]) == ("bazargan", "tehran")


@pytest.mark.parametrize(
    ("overrides", "status", "pointer", "code"),
    [
        ({"currency": "XYZ"}, 422, "#/body/currency", "validation-failed"),
        ({"currency": "XAU"}, 422, "#/body/currency", "validation-failed"),
        ({"beneficiary_country": "XX"}, 422, "#/body/beneficiary_country", "validation-failed"),
        ({"total_amount": "-5"}, 422, "#/body/total_amount", "validation-failed"),
        ({"total_amount": 1000.5}, 422, "#/body/total_amount", "validation-failed"),
        ({"incoterm": "XYZ"}, 422, "#/body/incoterm", "validation-failed"),
        ({"seller_fida_id": "12345"}, 422, "#/body/seller_fida_id", "validation-failed"),
        ({"seller_fida_id": "999999999999"}, 422, "#/body/seller_fida_id", "seller-unknown"),
        ({"entry_border": "nowhere"}, 422, "#/body/entry_border", "customs-office-unknown"),
        ({"destination_customs": "99999"}, 422, "#/body/destination_customs", "customs-office-unknown"),
        ({"freight_amount": "200000"}, 422, "#/body/freight_amount", "order-field-invalid"),
        ({"payment_method": "no-currency-transfer"}, 422, "#/body/transaction_type", "order-field-invalid"),
        ({"transport_fleet": "teleport"}, 422, "#/body/transport_fleet", "validation-failed"),
        ({"access_level": "secret"}, 422, "#/body/access_level", "validation-failed"),
        ({"extra": 1}, 422, "#/body/extra", "validation-failed"),
    ],
)
async def test_bad_fields_are_refused_naming_the_field_and_nothing_is_stored(
    orders: httpx.AsyncClient,
    orders_app: tuple[FastAPI, httpx.AsyncClient],
    identity_app: FastAPI,
    fida: str,
    overrides: dict,
    status: int,
    pointer: str,
    code: str,
) -> None:
    owner = await f.merchant(identity_app)
    response = await orders.post(
        "/v1/order-files", json=f.file_body(fida, **overrides), headers=owner.headers
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert await _count_files(orders_app[0], f"user:{owner.party.id}") == 0


async def test_a_retried_create_with_one_idempotency_key_makes_one_file(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    headers = {**owner.headers, "Idempotency-Key": str(uuid.uuid4())}
    body = f.file_body(fida)
    first = await orders.post("/v1/order-files", json=body, headers=headers)
    again = await orders.post("/v1/order-files", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    other = await orders.post(
        "/v1/order-files", json=f.file_body(fida, proforma_number="PI-OTHER"), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency-key-reused"
    assert await _count_files(orders_app[0], f"user:{owner.party.id}") == 1
    history = await orders.get(f"/v1/order-files/{first.json()['id']}/history", headers=owner.headers)
    assert [e["action"] for e in history.json()["items"]] == ["created", "access-level-changed"]


def test_the_stored_rate_is_the_latest_from_that_day_back() -> None:
    first, second = dt.date(2025, 3, 21), dt.date(2025, 9, 23)
    rates = ExchangeRates({"EUR": [(second, Decimal(2)), (first, Decimal(1))]})
    assert rates.on("EUR", first - dt.timedelta(days=1)) is None
    assert rates.on("EUR", first) == 1
    assert rates.on("EUR", second - dt.timedelta(days=1)) == 1
    assert rates.on("EUR", second) == 2
    assert rates.on("EUR", second + dt.timedelta(days=400)) == 2
    assert rates.on("USD", second) is None


async def test_proforma_dates(orders: httpx.AsyncClient, identity_app: FastAPI, fida: str) -> None:
    owner = await f.merchant(identity_app)
    today = today_tehran()
    expired = f.file_body(
        fida,
        proforma_issued_on=(today - dt.timedelta(days=90)).isoformat(),
        proforma_expires_on=(today - dt.timedelta(days=1)).isoformat(),
    )
    response = await orders.post("/v1/order-files", json=expired, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "proforma-expired"
    assert response.json()["errors"][0]["pointer"] == "#/body/proforma_expires_on"

    future = f.file_body(fida, proforma_issued_on=(today + dt.timedelta(days=1)).isoformat())
    response = await orders.post("/v1/order-files", json=future, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/body/proforma_issued_on"

    backwards = f.file_body(
        fida,
        proforma_issued_on=(today - dt.timedelta(days=1)).isoformat(),
        proforma_expires_on=(today - dt.timedelta(days=1)).isoformat(),
    )
    backwards["proforma_issued_on"] = today.isoformat()
    response = await orders.post("/v1/order-files", json=backwards, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/body/proforma_expires_on"

    not_a_day = f.file_body(fida, proforma_issued_on="2025-02-30")
    response = await orders.post("/v1/order-files", json=not_a_day, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/body/proforma_issued_on"


# ------------------------------------------------------------------ prerequisites


async def test_an_expired_commercial_card_is_refused_naming_it(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, commercial_card_expires="2024-01-01")
    response = await orders.post("/v1/order-files", json=f.file_body(fida), headers=owner.headers)
    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "commercial-card-expired"
    assert "commercial card expired" in problem["detail"]
    assert problem["errors"][0]["pointer"] == "#/token/commercial_card_expires"


async def test_without_the_merchant_role_files_are_refused(
    orders: httpx.AsyncClient, identity_app: FastAPI, agent_headers: dict[str, str], fida: str
) -> None:
    plain = await f.merchant(identity_app, roles=["base-natural"])
    for headers in (plain.headers, agent_headers):
        response = await orders.post("/v1/order-files", json=f.file_body(fida), headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "merchant-role-required"


async def test_no_token_is_401(orders: httpx.AsyncClient, fida: str) -> None:
    response = await orders.post("/v1/order-files", json=f.file_body(fida))
    assert response.status_code == 401


async def test_first_year_cap_at_the_stored_rate(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    issued = (today_tehran() - dt.timedelta(days=100)).isoformat()
    newcomer = await f.merchant(identity_app, commercial_card_issued=issued)
    # EUR 500,000 at the demo rates (760,000 / 700,000 rials) is about USD 542,857: over the cap.
    response = await orders.post(
        "/v1/order-files", json=f.file_body(fida, total_amount="500000"), headers=newcomer.headers
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "first-year-cap-exceeded"
    assert problem["errors"][0]["pointer"] == "#/body/total_amount"
    assert problem["usd_equivalent"] == "542857.14"
    # Under the cap: accepted; then raising the amount over it is refused too.
    created = await f.create(orders, newcomer.headers, fida, total_amount="400000")
    patch = await orders.patch(
        f"/v1/order-files/{created['id']}",
        json={"total_amount": "480000"},
        headers={**newcomer.headers, "If-Match": f'"{created["id"]}.1"'},
    )
    assert patch.status_code == 422
    assert patch.json()["code"] == "first-year-cap-exceeded"

    veteran = await f.merchant(identity_app, commercial_card_issued="2020-01-01")
    await f.create(orders, veteran.headers, fida, total_amount="500000")


# ------------------------------------------------------------------ ETag / If-Match


async def test_edits_need_a_current_etag(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, fida)
    path = f"/v1/order-files/{created['id']}"

    missing = await orders.patch(path, json={"transport_fleet": "road"}, headers=owner.headers)
    assert missing.status_code == 428
    assert missing.json()["errors"][0]["pointer"] == "#/header/If-Match"

    etag = (await orders.get(path, headers=owner.headers)).headers["ETag"]
    changed = await orders.patch(
        path, json={"transport_fleet": "road"}, headers={**owner.headers, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["transport_fleet"] == "road"
    assert changed.headers["ETag"] != etag

    stale = await orders.patch(
        path, json={"transport_fleet": "air"}, headers={**owner.headers, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "etag-mismatch"
    assert (await orders.get(path, headers=owner.headers)).json()["transport_fleet"] == "road"

    bad = await orders.patch(
        path,
        json={"seller_fida_id": "999999999999"},
        headers={**owner.headers, "If-Match": changed.headers["ETag"]},
    )
    assert bad.status_code == 422
    after = await orders.get(path, headers=owner.headers)
    assert after.headers["ETag"] == changed.headers["ETag"]
    assert after.json()["seller"]["fida_id"] == fida


async def test_history_records_who_for_whom_and_the_request(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    response = await orders.post(
        "/v1/order-files", json=f.file_body(fida), headers={**owner.headers, "X-Request-ID": "req-files-1"}
    )
    file_id = response.json()["id"]
    history = await orders.get(f"/v1/order-files/{file_id}/history", headers=owner.headers)
    assert history.status_code == 200
    first = history.json()["items"][0]
    subject = f"user:{owner.party.id}"
    assert (first["action"], first["to_status"], first["actor"], first["principal"]) == (
        "created",
        "draft",
        subject,
        subject,
    )
    assert first["request_id"] == "req-files-1"


# ------------------------------------------------------------------ lists


async def test_lists_are_the_callers_own_paged_and_filtered(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    other = await f.merchant(identity_app)
    ids = [(await f.create(orders, owner.headers, fida))["id"] for _ in range(3)]
    await f.create(orders, other.headers, fida)

    first = await orders.get("/v1/order-files", params={"limit": 2}, headers=owner.headers)
    assert first.status_code == 200
    page = first.json()
    assert [i["id"] for i in page["items"]] == ids[:2]
    second = await orders.get(page["next"], headers=owner.headers)
    assert [i["id"] for i in second.json()["items"]] == ids[2:]
    assert second.json()["next"] is None

    drafts = await orders.get("/v1/order-files", params={"status": "draft"}, headers=owner.headers)
    assert len(drafts.json()["items"]) == 3
    approved = await orders.get("/v1/order-files", params={"status": "approved"}, headers=owner.headers)
    assert approved.json()["items"] == []


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        encode_cursor(["2026-01-01T00:00:00", str(uuid.uuid4())]),  # no time zone
        encode_cursor(["2026-01-01T00:00:00+00:00", "not-a-uuid"]),
        encode_cursor(["yesterday", str(uuid.uuid4())]),
        encode_cursor(["2026-01-01T00:00:00+00:00"]),
    ],
)
async def test_a_cursor_the_api_did_not_issue_is_400(
    orders: httpx.AsyncClient, identity_app: FastAPI, cursor: str
) -> None:
    owner = await f.merchant(identity_app)
    answer = await orders.get("/v1/order-files", params={"cursor": cursor}, headers=owner.headers)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid-cursor"


async def test_strangers_and_machine_clients_do_not_see_a_file(
    orders: httpx.AsyncClient,
    identity_app: FastAPI,
    admin_headers: dict[str, str],
    agent_headers: dict[str, str],
    fida: str,
) -> None:
    owner = await f.merchant(identity_app)
    stranger = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, fida)
    path = f"/v1/order-files/{created['id']}"
    for headers in (stranger.headers, admin_headers, agent_headers):
        for method, url, body in (
            ("GET", path, None),
            ("GET", f"{path}/history", None),
            ("PATCH", path, {"transport_fleet": "air"}),
            ("POST", f"{path}/lines", f.line_body()),
            ("POST", f"{path}/submit", None),
            ("POST", f"{path}/cancel", None),
            ("PUT", f"{path}/access-level", {"access_level": "limited"}),
        ):
            response = await orders.request(method, url, json=body, headers={**headers, "If-Match": "*"})
            assert response.status_code == 404, (method, url, response.text)
        listed = await orders.get("/v1/order-files", headers=headers)
        assert created["id"] not in [i["id"] for i in listed.json()["items"]]
    assert (await orders.get(path, headers=owner.headers)).json()["version"] == 1

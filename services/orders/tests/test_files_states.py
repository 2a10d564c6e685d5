"""States: submit (fee from the rules service), signed final registration, officer review,
validity, extension, expiry, cancellation, edits after approval, outbox events."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import jdatetime
import pytest
from fastapi import FastAPI
from orders_testing import files as f
from sqlalchemy import select, update

from kit.clock import today_tehran
from kit.jalali import add_months
from kit.runtime import runtime_of, state_of
from kit.signatures import jwk_of, thumbprint
from orders.db import outbox_events
from orders.files import expiry, service
from orders.files.models import OrderFee, OrderFile
from orders.main import SPEC


@pytest.fixture
async def fida(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    return await f.seller(orders, admin_headers)


async def _events(app: FastAPI, file_id: str) -> list[tuple[str, dict]]:
    async with runtime_of(app).sessionmaker() as session:
        rows = await session.execute(
            select(outbox_events.c.topic, outbox_events.c.payload)
            .where(outbox_events.c.subject == f"order-file:{file_id}")
            .order_by(outbox_events.c.id)
        )
        return [(r.topic, r.payload) for r in rows]


async def _set_expiry(app: FastAPI, file_id: str, day: dt.date) -> None:
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(OrderFile).where(OrderFile.id == uuid.UUID(file_id)).values(expires_on=day)
        )


# ------------------------------------------------------------------ submit and fee


async def test_submit_stores_the_fee_with_its_trace(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    file = await f.submitted(orders, owner, fida)
    assert file["status"] == "submitted"
    [fee] = file["fees"]
    assert fee["kind"] == "new"
    assert fee["exchange_rate"] == "760000"
    # From 1403: 1/2000 of FOB + freight; CFR includes freight, so FOB = 120000.5 - 3000.
    # (117000.5 + 3000) EUR x 760,000 / 2000 = 45,600,190 rials.
    assert fee["amount_rials"] == 45_600_190
    assert fee["trace"]
    assert all("step" in step for step in fee["trace"])


async def test_submit_needs_lines_within_the_total(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, fida, total_amount="1000", freight_amount="0")
    path = f"/v1/order-files/{created['id']}"
    empty = await orders.post(f"{path}/submit", headers=owner.headers)
    assert empty.status_code == 409
    assert empty.json()["code"] == "order-file-has-no-lines"
    await orders.post(f"{path}/lines", json=f.line_body(value="5000"), headers=owner.headers)
    over = await orders.post(f"{path}/submit", headers=owner.headers)
    assert over.status_code == 409
    assert over.json()["code"] == "lines-exceed-proforma-total"
    assert (await orders.get(path, headers=owner.headers)).json()["status"] == "draft"


async def test_a_rules_failure_is_503_and_stores_nothing(
    orders: httpx.AsyncClient,
    orders_app: tuple[FastAPI, httpx.AsyncClient],
    identity_app: FastAPI,
    fida: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = orders_app[0]
    owner = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, fida)
    path = f"/v1/order-files/{created['id']}"
    await orders.post(f"{path}/lines", json=f.line_body(), headers=owner.headers)
    monkeypatch.setitem(runtime_of(app).settings.service_urls, "rules", "http://127.0.0.1:9")
    response = await orders.post(f"{path}/submit", headers=owner.headers)
    assert response.status_code == 503
    assert response.json()["code"] == "rules-unavailable"
    estimate = await orders.get(f"{path}/duties-estimate", headers=owner.headers)
    assert estimate.status_code == 503
    monkeypatch.undo()
    after = (await orders.get(path, headers=owner.headers)).json()
    assert after["status"] == "draft"
    assert after["fees"] == []
    async with runtime_of(app).sessionmaker() as session:
        fees = await session.scalars(select(OrderFee).where(OrderFee.file_id == uuid.UUID(created["id"])))
        assert list(fees) == []


# ------------------------------------------------------------------ final registration


async def test_final_registration_must_be_signed_by_the_actor(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    file = await f.submitted(orders, owner, fida, access_level="medium")
    path = f"/v1/order-files/{file['id']}/final-registration"

    unsigned = await orders.post(path, json={"validity_months": 6}, headers=owner.headers)
    assert unsigned.status_code == 428
    assert unsigned.json()["code"] == "signature-required"

    raw, headers = f.signed(owner.key, {"validity_months": 6}, file)
    tampered = await orders.post(path, content=raw.replace(b"6", b"3"), headers={**owner.headers, **headers})
    assert tampered.status_code == 403
    assert tampered.json()["code"] == "signature-invalid"

    # A representative signing with the owner's key: the signer must be the one acting.
    agent = await f.representative(identity_app, identity_http, owner, access_level="medium", signing=True)
    wrong_signer = await orders.post(path, content=raw, headers={**agent.headers, **headers})
    assert wrong_signer.status_code == 403
    assert (await orders.get(f"/v1/order-files/{file['id']}", headers=owner.headers)).json()[
        "status"
    ] == "submitted"

    raw, headers = f.signed(agent.key, {"validity_months": 6}, file)
    done = await orders.post(path, content=raw, headers={**agent.headers, **headers})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "under-review"
    assert body["validity_months"] == 6
    assert body["registration"]["signer"] == f"user:{agent.party.id}"
    assert body["registration"]["kid"] == thumbprint(jwk_of(agent.key))

    replayed = await orders.post(path, content=raw, headers={**agent.headers, **headers})
    assert replayed.status_code == 403  # signed for the version before the registration
    assert (replayed.json()["code"], replayed.json()["claim"]) == ("signature-binding-mismatch", "etag")
    raw, headers = f.signed(agent.key, {"validity_months": 6}, body)
    again = await orders.post(path, content=raw, headers={**agent.headers, **headers})
    assert again.status_code == 409
    assert again.json()["code"] != "signature-replayed"  # the state refuses it, not the signature


async def test_a_representative_below_the_level_cannot_register(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    file = await f.submitted(orders, owner, fida)  # full
    agent = await f.representative(identity_app, identity_http, owner, access_level="medium", signing=True)
    raw, headers = f.signed(agent.key, {"validity_months": 3}, file)
    response = await orders.post(
        f"/v1/order-files/{file['id']}/final-registration", content=raw, headers={**agent.headers, **headers}
    )
    assert response.status_code == 404


# ------------------------------------------------------------------ review


async def test_an_officer_approves_and_the_order_is_valid_for_the_months_chosen(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    file = await f.under_review(orders, owner, fida, months=6)
    path = f"/v1/order-files/{file['id']}"

    by_owner = await orders.post(f"{path}/approve", headers=owner.headers)
    assert by_owner.status_code == 403
    assert by_owner.json()["code"] == "officer-role-required"

    approved = await orders.post(f"{path}/approve", headers=reviewer.headers)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    today = today_tehran()
    assert body["status"] == "approved"
    assert body["approved_on"] == today.isoformat()
    assert body["expires_on"] == add_months(today, 6).isoformat()
    # Six Jalali months on: the same day of the month (or the month's last), in the Jalali calendar.
    approved_j, expires_j = body["approved_on_jalali"], body["expires_on_jalali"]
    assert approved_j == jdatetime.date.fromgregorian(date=today).strftime("%Y-%m-%d")
    months = (int(expires_j[:4]) - int(approved_j[:4])) * 12 + int(expires_j[5:7]) - int(approved_j[5:7])
    assert months == 6
    assert body["review"]["officer"] == f"user:{reviewer.party.id}"
    *earlier, (topic, payload) = await _events(orders_app[0], file["id"])
    assert [t for t, _ in earlier] == ["order.submitted", "order.registered"]
    assert topic == "order.approved"
    assert payload["expires_on"] == body["expires_on"]
    assert payload["hs_codes"] == [f.STANDARDS_LINE]
    # Decided: the officer no longer reads it.
    assert (await orders.get(path, headers=reviewer.headers)).status_code == 404


async def test_an_officer_rejects_with_a_reason(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    file = await f.under_review(orders, owner, fida)
    path = f"/v1/order-files/{file['id']}"
    assert (await orders.post(f"{path}/reject", json={}, headers=reviewer.headers)).status_code == 422
    rejected = await orders.post(
        f"{path}/reject", json={"reason": "HS code does not match the goods"}, headers=reviewer.headers
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["review"]["rejection_reason"] == "HS code does not match the goods"
    assert [t for t, _ in await _events(orders_app[0], file["id"])] == [
        "order.submitted",
        "order.registered",
        "order.rejected",
    ]
    assert (await orders.post(f"{path}/cancel", headers=owner.headers)).status_code == 409


# ------------------------------------------------------------------ validity


async def test_extension_before_expiry_and_refusal_after(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], identity_app: FastAPI, fida: str
) -> None:
    app = orders_app[0]
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    file = await f.approved(orders, owner, reviewer, fida, months=3)
    path = f"/v1/order-files/{file['id']}"

    extended = await orders.post(f"{path}/extend", json={"months": 6}, headers=owner.headers)
    assert extended.status_code == 200
    assert (
        extended.json()["expires_on"] == add_months(dt.date.fromisoformat(file["expires_on"]), 6).isoformat()
    )
    assert (await orders.post(f"{path}/extend", json={"months": 4}, headers=owner.headers)).status_code == 422

    await _set_expiry(app, file["id"], today_tehran() - dt.timedelta(days=1))
    read = await orders.get(path, headers=owner.headers)
    assert read.json()["status"] == "expired"  # consistent before the periodic task runs
    listed = await orders.get(
        "/v1/order-files", params={"status": "expired", "limit": 100}, headers=owner.headers
    )
    assert file["id"] in [i["id"] for i in listed.json()["items"]]
    still_approved = await orders.get(
        "/v1/order-files", params={"status": "approved", "limit": 100}, headers=owner.headers
    )
    assert file["id"] not in [i["id"] for i in still_approved.json()["items"]]

    late = await orders.post(f"{path}/extend", json={"months": 3}, headers=owner.headers)
    assert late.status_code == 409
    assert late.json()["code"] == "order-expired"

    async with runtime_of(app).sessionmaker() as session, session.begin():
        assert await service.expire_due(session) >= 1
    async with runtime_of(app).sessionmaker() as session:
        assert (await session.get(OrderFile, uuid.UUID(file["id"]))).status == "expired"  # type: ignore[union-attr]
    topics = [t for t, _ in await _events(app, file["id"])]
    assert topics == [
        "order.submitted",
        "order.registered",
        "order.approved",
        "order.extended",
        "order.expired",
    ]
    history = (await orders.get(f"{path}/history", headers=owner.headers)).json()["items"]
    assert history[-1]["action"] == "expired"
    assert history[-1]["actor"] == "system:orders"


async def test_cancel(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    draft = await f.create(orders, owner.headers, fida)
    cancelled = await orders.post(f"/v1/order-files/{draft['id']}/cancel", headers=owner.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert (
        await orders.post(f"/v1/order-files/{draft['id']}/cancel", headers=owner.headers)
    ).status_code == 409
    assert await _events(orders_app[0], draft["id"]) == []

    file = await f.approved(orders, owner, reviewer, fida)
    cancelled = await orders.post(f"/v1/order-files/{file['id']}/cancel", headers=owner.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert [t for t, _ in await _events(orders_app[0], file["id"])] == [
        "order.submitted",
        "order.registered",
        "order.approved",
        "order.cancelled",
    ]


# ------------------------------------------------------------------ edits after approval


async def test_after_approval_amounts_go_back_to_review_and_core_fields_are_refused(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    file = await f.approved(orders, owner, reviewer, fida)
    path = f"/v1/order-files/{file['id']}"
    line = file["lines"][0]

    def match(etag: str) -> dict[str, str]:
        return {**owner.headers, "If-Match": etag}

    etag = (await orders.get(path, headers=owner.headers)).headers["ETag"]
    for body in ({"hs_code": f.HEALTH_LINE}, {"product_id": "P-other"}, {"description": "Other goods"}):
        refused = await orders.patch(f"{path}/lines/{line['id']}", json=body, headers=match(etag))
        assert refused.status_code == 409, body
        assert refused.json()["code"] == "cancel-and-register-again"
        assert "cancel and register again" in refused.json()["detail"]
    refused = await orders.patch(path, json={"seller_fida_id": f.fida_id()}, headers=match(etag))
    assert refused.status_code == 409
    assert (await orders.post(f"{path}/lines", json=f.line_body(), headers=owner.headers)).status_code == 409
    assert (await orders.get(path, headers=owner.headers)).headers["ETag"] == etag

    edited = await orders.patch(f"{path}/lines/{line['id']}", json={"quantity": "3"}, headers=match(etag))
    assert edited.status_code == 200, edited.text
    after = (await orders.get(path, headers=owner.headers)).json()
    assert after["status"] == "under-review"
    assert after["lines"][0]["quantity"] == "3"
    assert after["expires_on"] == file["expires_on"]

    again = await orders.post(f"{path}/approve", headers=reviewer.headers)
    assert again.json()["status"] == "approved"
    assert again.json()["expires_on"] == file["expires_on"]

    etag = again.headers["ETag"]
    raised = await orders.patch(path, json={"total_amount": "130000"}, headers=match(etag))
    assert raised.status_code == 200, raised.text
    assert raised.json()["status"] == "under-review"
    amendment = raised.json()["fees"][-1]
    assert amendment["kind"] == "amendment"
    # The fee on the increase of FOB + freight: 10,000 EUR x 760,000 / 2000 (rounded).
    assert amendment["amount_rials"] == 3_799_810


async def test_duties_estimate_per_line_with_traces(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, fida)
    path = f"/v1/order-files/{created['id']}"
    await orders.post(
        f"{path}/lines", json=f.line_body(f.STANDARDS_LINE, value="10000"), headers=owner.headers
    )
    await orders.post(
        f"{path}/lines", json=f.line_body("10011990", unit="kg", value="1000"), headers=owner.headers
    )
    await orders.post(
        f"{path}/lines", json=f.line_body("04011000", unit="kg", value="100"), headers=owner.headers
    )
    response = await orders.get(f"{path}/duties-estimate", headers=owner.headers)
    assert response.status_code == 200, response.text
    estimate = response.json()
    cars, wheat, milk = estimate["lines"]
    assert cars["customs_value_rials"] == 7_600_000_000
    assert cars["calculation"] == "import-duties-1404"
    assert cars["duties"] == 7_600_000_000  # 100%
    assert cars["traces"]["import-duties-1404"]
    assert wheat["duties"] == 7_600_000  # 1% of 760,000,000
    assert milk["calculation"] == "red-crescent-levy"
    assert set(milk["traces"]) == {"tariff-book-rate", "red-crescent-levy"}
    assert estimate["total_rials"] == sum(line["total"] for line in estimate["lines"])


async def test_the_periodic_task_marks_lapsed_orders_expired(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], identity_app: FastAPI, fida: str
) -> None:
    app = orders_app[0]
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    file = await f.approved(orders, owner, reviewer, fida)
    await _set_expiry(app, file["id"], today_tehran() - dt.timedelta(days=1))
    assert expiry.run_once in SPEC.periodic  # kit's housekeeping loop runs it
    assert await expiry.run_once(state_of(app)) >= 1
    async with runtime_of(app).sessionmaker() as session:
        stored = await session.get(OrderFile, uuid.UUID(file["id"]))
    assert stored is not None
    assert stored.status == "expired"
    assert [t for t, _ in await _events(app, file["id"])] == [
        "order.submitted",
        "order.registered",
        "order.approved",
        "order.expired",
    ]

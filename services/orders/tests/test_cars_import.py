"""The Iranians-abroad car import: the Mikhak feed (scope, idempotency, conflicts, malformed
cases, revocations), eligibility from the rules service (each condition), one car per person,
and the applicant's case-permit inquiry (refused before approval and after revocation)."""

from __future__ import annotations

import copy
import itertools
import random
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.app import client_token
from identity_testing.parties import bearer, make_user, national_code, token_for
from kit_testing import Running
from sqlalchemy import select

from kit.feed_api import feed_event
from kit.runtime import runtime_of
from orders.cars import service
from orders.cars.models import CaseInquiry
from orders.db import outbox_events
from panjereh_contract.event_types import parse_data
from panjereh_contract.events import FeedEvent

PROBLEM = "application/problem+json"
_serial = itertools.count(random.randrange(10**8))


def _problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    if code:
        assert body["code"] == code, body
    return body


def _pointers(body: dict[str, Any]) -> set[str]:
    return {e["pointer"] for e in body["errors"]}


def _vin() -> str:
    return f"JTDBR32E7{next(_serial) % 10**8:08d}"


@pytest.fixture(scope="module")
async def mikhak(settings_for, identity_server: Running) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return bearer(
        await client_token(
            settings_for("identity"), identity_server.url, "orders test mikhak", ["mikhak-feed"]
        )
    )


@pytest.fixture(scope="module")
async def brand(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> tuple[str, str]:
    """A brand and model put on the allowed list by an admin (the sandbox is off)."""
    brand_id = f"testcar-{uuid.uuid4().hex[:8]}"
    response = await orders.post(
        "/v1/car-brands", json={"id": brand_id, "name": brand_id}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    response = await orders.post(
        f"/v1/car-brands/{brand_id}/models", json={"id": "sedan-x", "name": "Sedan X"}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    return brand_id, "Sedan X"


def _case(brand: tuple[str, str], code: str | None = None, **changes: Any) -> dict[str, Any]:
    """An eligible case, approved: entered 1404/10/25 (2026-01-15), approved 1404/11/12."""
    case: dict[str, Any] = {
        "case_id": f"MK-{uuid.uuid4().hex[:12]}",
        "national_code": code or national_code(),
        "first_name": "Sara",
        "last_name": "Ahmadi",
        "birth_date": "1990-01-01",
        "residence_country": "DE",
        "residence_start_date": "2020-05-01",
        "confirming_mission": "Embassy of the I.R. of Iran, Berlin",
        "days_abroad_in_1404": 200,
        "car": {
            "brand": brand[0].upper(),
            "model": brand[1],
            "vin": _vin(),
            "manufacture_date": "2022-06-01",
            "ownership_date": "2023-01-10",
        },
        "submitted_on": "2026-01-15",
        "status": "approved",
        "decided_on": "2026-02-01",
    }
    for key, value in changes.items():
        if key.startswith("car_"):
            case["car"][key[4:]] = value
        else:
            case[key] = value
    return case


async def _published(session: Any, case_id: str) -> dict[str, FeedEvent]:
    """The case's events as orders' feed serves them, by type, each fitting its catalogue entry."""
    rows = (await session.execute(select(outbox_events).where(outbox_events.c.subject == case_id))).all()
    events = {e.type: e for e in (feed_event("orders", row) for row in rows)}
    for event in events.values():
        parse_data(event.type, event.data)
    return events


async def _send(orders: httpx.AsyncClient, mikhak: dict[str, str], case: dict[str, Any]) -> httpx.Response:
    return await orders.post("/v1/mikhak/cases", json=case, headers=mikhak)


async def _applicant(
    identity_app: FastAPI, roles: tuple[str, ...] = ("base-natural",)
) -> tuple[str, dict[str, str]]:
    party = await make_user(identity_app, roles=roles)
    return party.national_code, bearer(await token_for(identity_app, party, roles=list(roles)))


async def _inquire(orders: httpx.AsyncClient, headers: dict[str, str], case_id: str) -> httpx.Response:
    return await orders.post(
        "/v1/car-case-permits/inquiries", json={"mikhak_case_id": case_id}, headers=headers
    )


# ------------------------------------------------------------------ the feed: who may send


async def test_the_feed_needs_a_token(orders: httpx.AsyncClient, brand: tuple[str, str]) -> None:
    _problem(await orders.post("/v1/mikhak/cases", json=_case(brand)), 401, "unauthenticated")


@pytest.mark.parametrize("who", ["admin", "agent"])
async def test_other_machine_clients_may_not_send_cases(
    orders: httpx.AsyncClient,
    brand: tuple[str, str],
    admin_headers: dict[str, str],
    agent_headers: dict[str, str],
    who: str,
) -> None:
    headers = admin_headers if who == "admin" else agent_headers
    body = _problem(
        await orders.post("/v1/mikhak/cases", json=_case(brand), headers=headers), 403, "forbidden"
    )
    assert body["missing_scopes"] == ["mikhak-feed"]


async def test_user_tokens_may_not_send_cases(
    orders: httpx.AsyncClient, brand: tuple[str, str], identity_app: FastAPI
) -> None:
    party = await make_user(identity_app)
    plain = bearer(await token_for(identity_app, party))
    _problem(await orders.post("/v1/mikhak/cases", json=_case(brand), headers=plain), 403, "forbidden")
    scoped = bearer(await token_for(identity_app, party, scope="mikhak-feed"))
    _problem(
        await orders.post("/v1/mikhak/cases", json=_case(brand), headers=scoped),
        403,
        "mikhak-feed-client-required",
    )


async def test_reading_and_revoking_need_the_feed_scope(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str], admin_headers: dict[str, str]
) -> None:
    case = _case(brand)
    assert (await _send(orders, mikhak, case)).status_code == 201
    path = f"/v1/mikhak/cases/{case['case_id']}"
    _problem(await orders.get(path), 401)
    _problem(await orders.get(path, headers=admin_headers), 403)
    _problem(await orders.post(path + "/revocation", json={"reason": "x"}, headers=admin_headers), 403)
    assert (await orders.get(path, headers=mikhak)).status_code == 200


# ------------------------------------------------------------------ the feed: idempotency


async def test_a_case_is_stored_with_its_eligibility_and_trace(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str]
) -> None:
    case = _case(brand)
    response = await _send(orders, mikhak, case)
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(f"/v1/mikhak/cases/{case['case_id']}")
    body = response.json()
    assert body["case"] == case
    eligibility = body["eligibility"]
    assert eligibility["eligible"] is True
    assert eligibility["reasons"] == []
    assert eligibility["brand_on_list"] is True
    assert eligibility["registration_open_until"] == {"gregorian": "2026-03-20", "jalali": "1404-12-29"}
    assert eligibility["currency_transfer"] == "none"
    assert any(step.get("rule_id") == "car-abroad-min-age" for step in eligibility["trace"])
    assert body["revocation"] is None
    assert [m["outcome"] for m in body["messages"]] == ["created"]


async def test_the_same_case_again_answers_the_stored_case(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str]
) -> None:
    case = _case(brand)
    first = await _send(orders, mikhak, case)
    assert first.status_code == 201
    again = await _send(orders, mikhak, case)
    assert again.status_code == 200, again.text
    assert again.json()["case"] == first.json()["case"]
    assert again.json()["received_at"] == first.json()["received_at"]
    assert [m["outcome"] for m in again.json()["messages"]] == ["created", "replayed"]


async def test_other_content_under_the_same_case_id_is_a_conflict(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str]
) -> None:
    case = _case(brand)
    assert (await _send(orders, mikhak, case)).status_code == 201
    changed = copy.deepcopy(case)
    changed["car"]["vin"] = _vin()
    changed["days_abroad_in_1404"] = 3
    body = _problem(await _send(orders, mikhak, changed), 409, "mikhak-case-conflict")
    assert _pointers(body) == {"#/body/car/vin", "#/body/days_abroad_in_1404"}
    stored = (await orders.get(f"/v1/mikhak/cases/{case['case_id']}", headers=mikhak)).json()
    assert stored["case"] == case, "the first content stands"
    assert [m["outcome"] for m in stored["messages"]] == ["created", "mikhak-case-conflict"], (
        "refusals recorded"
    )


async def test_the_embassy_decision_follows_a_submitted_case(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str]
) -> None:
    case = _case(brand, status="submitted", decided_on=None)
    assert (await _send(orders, mikhak, case)).status_code == 201
    approved = {**case, "status": "approved", "decided_on": "2026-02-01"}
    response = await _send(orders, mikhak, approved)
    assert response.status_code == 200, response.text
    assert response.json()["case"]["status"] == "approved"
    assert [m["outcome"] for m in response.json()["messages"]] == ["created", "amended"]
    # A decision is final: approved -> rejected is not an amendment.
    rejected = {**case, "status": "rejected", "decided_on": "2026-02-01"}
    _problem(await _send(orders, mikhak, rejected), 409, "mikhak-case-conflict")


# ------------------------------------------------------------------ the feed: malformed cases


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"national_code": "0084575949"}, "#/body/national_code"),
        ({"car_vin": "JTDBR32E72012345I"}, "#/body/car/vin"),
        ({"car_vin": "SHORT"}, "#/body/car/vin"),
        ({"residence_country": "IR"}, "#/body/residence_country"),
        ({"residence_country": "XX"}, "#/body/residence_country"),
        ({"days_abroad_in_1404": 400}, "#/body/days_abroad_in_1404"),
        ({"days_abroad_in_1404": -1}, "#/body/days_abroad_in_1404"),
        ({"birth_date": "1990-02-30"}, "#/body/birth_date"),
        ({"status": "pending"}, "#/body/status"),
        ({"case_id": "bad id!"}, "#/body/case_id"),
        ({"unknown": 1}, "#/body/unknown"),
    ],
)
async def test_malformed_cases_are_refused_naming_the_field(
    orders: httpx.AsyncClient,
    mikhak: dict[str, str],
    brand: tuple[str, str],
    changes: dict[str, Any],
    pointer: str,
) -> None:
    body = _problem(await _send(orders, mikhak, _case(brand, **changes)), 422, "validation-failed")
    assert pointer in _pointers(body)


async def test_a_missing_field_is_named(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str]
) -> None:
    case = _case(brand)
    del case["car"]["ownership_date"]
    body = _problem(await _send(orders, mikhak, case), 422)
    assert "#/body/car/ownership_date" in _pointers(body)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"decided_on": None}, "#/body/decided_on"),
        ({"status": "submitted"}, "#/body/decided_on"),
        ({"decided_on": "2026-01-01"}, "#/body/decided_on"),
        ({"birth_date": "2026-02-01"}, "#/body/birth_date"),
        ({"residence_start_date": "1980-01-01"}, "#/body/residence_start_date"),
        ({"car_manufacture_date": "2026-01-16"}, "#/body/car/manufacture_date"),
        ({"submitted_on": "2999-01-01", "decided_on": "2999-01-02"}, "#/body/submitted_on"),
        # The resolution applies from 1404/09/19 (2025-12-10): the rules service says so.
        ({"submitted_on": "2025-11-01", "decided_on": "2025-11-02"}, "#/body/submitted_on"),
    ],
)
async def test_fields_that_do_not_fit_together_are_refused(
    orders: httpx.AsyncClient,
    mikhak: dict[str, str],
    brand: tuple[str, str],
    changes: dict[str, Any],
    pointer: str,
) -> None:
    case = _case(brand, **changes)
    body = _problem(await _send(orders, mikhak, case), 422, "invalid-mikhak-case")
    assert pointer in _pointers(body)
    _problem(await orders.get(f"/v1/mikhak/cases/{case['case_id']}", headers=mikhak), 404)


# ------------------------------------------------------------------ eligibility, each condition


@pytest.mark.parametrize(
    ("changes", "pointer", "rule"),
    [
        ({"birth_date": "2010-01-01"}, "#/body/birth_date", "car-abroad-min-age"),
        (
            {"residence_start_date": "2025-06-12"},
            "#/body/residence_start_date",
            "car-abroad-residence-start-deadline",
        ),
        ({"days_abroad_in_1404": 0}, "#/body/days_abroad_in_1404", "car-abroad-min-days-abroad-1404"),
        ({"confirming_mission": None}, "#/body/confirming_mission", "car-abroad-requirements"),
        ({"car_manufacture_date": "2020-06-01"}, "#/body/car/manufacture_date", "car-abroad-max-car-age"),
        ({"car_ownership_date": "2025-12-03"}, "#/body/car/ownership_date", "car-abroad-ownership-before"),
        ({"car_brand": "Lada"}, "#/body/car/model", "car-abroad-requirements"),
        ({"car_model": "Unlisted"}, "#/body/car/model", "car-abroad-requirements"),
        (
            {"submitted_on": "2026-03-21", "decided_on": "2026-03-22"},
            "#/body/submitted_on",
            "car-abroad-order-registration-deadline",
        ),
    ],
)
async def test_each_condition_fails_on_its_own(
    orders: httpx.AsyncClient,
    mikhak: dict[str, str],
    brand: tuple[str, str],
    identity_app: FastAPI,
    changes: dict[str, Any],
    pointer: str,
    rule: str,
) -> None:
    code, applicant = await _applicant(identity_app)
    case = _case(brand, code, **changes)
    response = await _send(orders, mikhak, case)
    assert response.status_code == 201, response.text
    eligibility = response.json()["eligibility"]
    assert eligibility["eligible"] is False
    assert [(r["field"], r["rule_id"]) for r in eligibility["reasons"]] == [(pointer, rule)]
    body = _problem(await _inquire(orders, applicant, case["case_id"]), 409, "car-import-not-eligible")
    assert body["reasons"][0]["field"] == pointer


async def test_the_last_days_of_each_condition_pass(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str]
) -> None:
    """Residence begun on 1404/03/21, one day abroad, 18 on the day, owned on 1404/09/11, entered on 1404/12/29."""
    case = _case(
        brand,
        birth_date="2008-03-19",  # 1386/12/29: 18 Jalali years on 1404/12/29
        residence_start_date="2025-06-11",
        days_abroad_in_1404=1,
        car_manufacture_date="2021-03-21",
        car_ownership_date="2025-12-02",
        submitted_on="2026-03-20",
        decided_on="2026-03-25",
    )
    response = await _send(orders, mikhak, case)
    assert response.status_code == 201, response.text
    assert response.json()["eligibility"]["reasons"] == []


# ------------------------------------------------------------------ one car per person


async def test_one_car_per_person_until_the_first_case_is_revoked(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str]
) -> None:
    code = national_code()
    first = _case(brand, code)
    assert (await _send(orders, mikhak, first)).status_code == 201
    second = _case(brand, code)
    body = _problem(await _send(orders, mikhak, second), 409, "one-car-per-person")
    assert body["other_case_id"] == first["case_id"]
    assert _pointers(body) == {"#/body/national_code"}
    # An ineligible or rejected case takes no car: stored.
    assert (await _send(orders, mikhak, _case(brand, code, days_abroad_in_1404=0))).status_code == 201
    assert (await _send(orders, mikhak, _case(brand, code, status="rejected"))).status_code == 201
    revoked = await orders.post(
        f"/v1/mikhak/cases/{first['case_id']}/revocation", json={"reason": "withdrawn"}, headers=mikhak
    )
    assert revoked.status_code == 200, revoked.text
    assert (await _send(orders, mikhak, second)).status_code == 201


# ------------------------------------------------------------------ revocations


async def test_a_revocation_is_recorded_with_reason_and_time(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str], orders_app: tuple[FastAPI, Any]
) -> None:
    case = _case(brand)
    assert (await _send(orders, mikhak, case)).status_code == 201
    path = f"/v1/mikhak/cases/{case['case_id']}/revocation"
    response = await orders.post(path, json={"reason": "Residence not confirmed on review"}, headers=mikhak)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["revocation"]["reason"] == "Residence not confirmed on review"
    assert body["revocation"]["revoked_at"]
    again = await orders.post(path, json={"reason": "again"}, headers=mikhak)
    assert again.json()["revocation"] == body["revocation"]
    assert [m["outcome"] for m in again.json()["messages"]] == ["created", "revoked", "revocation-replayed"]
    # The case cannot change after its revocation; the same content still answers.
    assert (await _send(orders, mikhak, case)).status_code == 200
    _problem(await _send(orders, mikhak, {**case, "days_abroad_in_1404": 5}), 409, "mikhak-case-revoked")
    async with runtime_of(orders_app[0]).sessionmaker() as session:
        published = await _published(session, case["case_id"])
    assert set(published) == {"orders.mikhak-case.approved", "orders.mikhak-case.revoked"}
    for event in published.values():
        # Only the Mikhak machine client reads a case: the one that sent it is its party.
        assert event.subject is not None
        assert event.subject.startswith("client:")
        assert (event.scope, event.office) == (None, None)
        assert event.object.url == f"/orders/v1/mikhak/cases/{case['case_id']}"


async def test_revoking_an_unknown_case_is_404(orders: httpx.AsyncClient, mikhak: dict[str, str]) -> None:
    body = _problem(
        await orders.post("/v1/mikhak/cases/MK-none/revocation", json={"reason": "x"}, headers=mikhak),
        404,
        "mikhak-case-not-found",
    )
    assert _pointers(body) == {"#/path/case_id"}
    _problem(await orders.post("/v1/mikhak/cases/MK-none/revocation", json={}, headers=mikhak), 422)


# ------------------------------------------------------------------ the case-permit inquiry


async def test_the_inquiry_succeeds_only_once_the_approval_has_arrived(
    orders: httpx.AsyncClient,
    mikhak: dict[str, str],
    brand: tuple[str, str],
    identity_app: FastAPI,
    orders_app: tuple[FastAPI, Any],
) -> None:
    code, applicant = await _applicant(identity_app)
    case = _case(brand, code, status="submitted", decided_on=None)
    # Nothing from Mikhak yet.
    _problem(await _inquire(orders, applicant, case["case_id"]), 404, "mikhak-case-not-found")
    assert (await _send(orders, mikhak, case)).status_code == 201
    body = _problem(await _inquire(orders, applicant, case["case_id"]), 409, "case-approval-not-received")
    assert _pointers(body) == {"#/body/mikhak_case_id"}

    assert (
        await _send(orders, mikhak, {**case, "status": "approved", "decided_on": "2026-02-01"})
    ).status_code == 200
    response = await _inquire(orders, applicant, case["case_id"])
    assert response.status_code == 201, response.text
    inquiry = response.json()
    assert inquiry["result"] == "succeeded"
    assert inquiry["car"]["vin"] == case["car"]["vin"]
    assert inquiry["payment_method"] == "no-currency-transfer"
    assert inquiry["registration_open_until"]["jalali"] == "1404-12-29"
    assert (await orders.get(response.headers["location"], headers=applicant)).json() == inquiry

    app = orders_app[0]
    async with runtime_of(app).sessionmaker() as session:
        rows = (
            await session.scalars(select(CaseInquiry).where(CaseInquiry.case_id == case["case_id"]))
        ).all()
        assert sorted((r.result, r.refusal_code) for r in rows) == [
            ("refused", "case-approval-not-received"),
            ("refused", "mikhak-case-not-found"),
            ("succeeded", None),
        ], "every result is recorded"
        subject = rows[0].subject
        found = await service.successful_inquiry(session, subject, case["car"]["vin"])
        assert found is not None
        assert str(found.id) == inquiry["id"]
        published = await _published(session, case["case_id"])
    # The inquiry's event is the applicant's own, at its path; the case's is Mikhak's.
    succeeded = published["orders.car-case-permit.inquiry-succeeded"]
    assert succeeded.subject == subject
    assert (succeeded.scope, succeeded.office) == (None, None)
    assert succeeded.object.url == f"/orders/v1/car-case-permits/inquiries/{inquiry['id']}"
    assert succeeded.data["inquiry_id"] == inquiry["id"]
    assert published["orders.mikhak-case.approved"].subject is not None
    async with runtime_of(app).sessionmaker() as session:
        assert await service.successful_inquiry(session, subject, _vin()) is None

    # After the revocation the inquiry is refused and the permit no longer stands.
    await orders.post(f"/v1/mikhak/cases/{case['case_id']}/revocation", json={"reason": "r"}, headers=mikhak)
    body = _problem(await _inquire(orders, applicant, case["case_id"]), 409, "mikhak-case-revoked")
    assert "r" in body["detail"]
    _problem(await orders.get(response.headers["location"], headers=applicant), 404)
    async with runtime_of(app).sessionmaker() as session:
        assert await service.successful_inquiry(session, subject, case["car"]["vin"]) is None


async def test_a_rejected_case_is_refused(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str], identity_app: FastAPI
) -> None:
    code, applicant = await _applicant(identity_app)
    case = _case(brand, code, status="rejected")
    assert (await _send(orders, mikhak, case)).status_code == 201
    _problem(await _inquire(orders, applicant, case["case_id"]), 409, "mikhak-case-rejected")


async def test_someone_elses_case_is_not_found(
    orders: httpx.AsyncClient, mikhak: dict[str, str], brand: tuple[str, str], identity_app: FastAPI
) -> None:
    owner, owner_headers = await _applicant(identity_app)
    _, stranger = await _applicant(identity_app)
    case = _case(brand, owner)
    assert (await _send(orders, mikhak, case)).status_code == 201
    _problem(await _inquire(orders, stranger, case["case_id"]), 404, "mikhak-case-not-found")
    response = await _inquire(orders, owner_headers, case["case_id"])
    assert response.status_code == 201
    _problem(await orders.get(response.headers["location"], headers=stranger), 404)


async def test_the_inquiry_is_the_applicants_own_in_the_base_natural_role(
    orders: httpx.AsyncClient,
    mikhak: dict[str, str],
    admin_headers: dict[str, str],
    identity_app: FastAPI,
) -> None:
    _problem(await _inquire(orders, {}, "MK-x"), 401)
    _problem(await _inquire(orders, admin_headers, "MK-x"), 403, "base-natural-role-required")
    _problem(await _inquire(orders, mikhak, "MK-x"), 403, "base-natural-role-required")
    _, merchant_only = await _applicant(identity_app, roles=("merchant",))
    _problem(await _inquire(orders, merchant_only, "MK-x"), 403, "base-natural-role-required")
    _, applicant = await _applicant(identity_app)
    body = _problem(
        await orders.post(
            "/v1/car-case-permits/inquiries", json={"mikhak_case_id": "a b"}, headers=applicant
        ),
        422,
    )
    assert _pointers(body) == {"#/body/mikhak_case_id"}

"""Granting representation: the signature, every rule, and nothing stored on refusal."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from identity_testing.parties import bearer, make_legal, make_user, national_code, national_id, token_for
from identity_testing.representation import GRANT_PATH, grant, grant_body, signing_key
from sqlalchemy import func, select, update

from identity.models import Party, Representation, RepresentationEvent, SignatureKey
from kit.clock import today_tehran
from kit.runtime import runtime_of
from kit.signatures import SIGNATURE_HEADER, jwk_of, sign_detached, thumbprint

TODAY = today_tehran()
CARD_EXPIRES = TODAY + timedelta(days=365)


async def _merchant(app: FastAPI) -> tuple[Party, str, ec.EllipticCurvePrivateKey]:
    party = await make_user(app, roles=("base-natural", "merchant"), card_expires_on=CARD_EXPIRES)
    return (
        party,
        await token_for(app, party, roles=["base-natural", "merchant"]),
        await signing_key(app, party),
    )


async def _grants_of(app: FastAPI, grantor: Party) -> int:
    async with runtime_of(app).sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Representation)
                .where(Representation.grantor_id == grantor.id)
            )
            or 0
        )


def _refusal(response: httpx.Response, status: int, code: str, pointer: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    if pointer is not None:
        assert [e["pointer"] for e in body["errors"]] == [pointer], body
    return body


async def test_a_signed_merchant_grant_is_stored_pending(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, token, key = await _merchant(app)
    agent = await make_user(app)
    body = grant_body(agent, access_level="medium", ends_on=CARD_EXPIRES - timedelta(days=1))
    raw = json.dumps(body, indent=2).encode()  # whitespace is not part of the canonical form
    signature = sign_detached(key, raw, path=GRANT_PATH)
    response = await client.post(
        "/v1/representations",
        content=raw,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature, **bearer(token)},
    )
    assert response.status_code == 201, response.text
    out = response.json()
    assert response.headers["location"].endswith(f"/v1/representations/{out['id']}")
    assert out["status"] == "pending"
    assert out["grantor"]["subject"] == f"user:{merchant.id}"
    assert out["grantor"]["national_code"] == merchant.national_code
    assert out["representative"] == {
        "id": str(agent.id),
        "subject": f"user:{agent.id}",
        "kind": "natural",
        "national_code": agent.national_code,
        "national_id": None,
        "name": "Test User",
    }
    assert out["grantor_role"] == "merchant"
    assert out["scopes"] == ["foreign-trade", "currency"]
    assert out["access_level"] == "medium"
    assert out["starts_on"] == TODAY.isoformat()
    assert out["starts_on_jalali"].startswith("14")
    assert out["signature_kid"] == thumbprint(jwk_of(key))
    assert out["created_by"] == f"user:{merchant.id}"
    async with runtime_of(app).sessionmaker() as session:
        stored = await session.get(Representation, uuid.UUID(out["id"]))
        assert stored is not None
        assert stored.signed_body == raw
        assert stored.signature == signature
        events = (
            await session.scalars(
                select(RepresentationEvent).where(RepresentationEvent.representation_id == stored.id)
            )
        ).all()
    assert [(e.event, e.actor, e.on_behalf_of) for e in events] == [("granted", f"user:{merchant.id}", None)]


async def test_signature_refusals_store_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, token, key = await _merchant(app)
    agent = await make_user(app)
    body = grant_body(agent)

    _refusal(
        await grant(client, token, None, body), 428, "signature-required", f"#/header/{SIGNATURE_HEADER}"
    )
    unknown_key = ec.generate_private_key(ec.SECP256R1())
    _refusal(await grant(client, token, unknown_key, body), 403, "signature-key-unknown")
    _refusal(
        await grant(client, token, key, body, headers={SIGNATURE_HEADER: "not-a-jws"}),
        400,
        "signature-malformed",
    )

    # A body changed after signing (a longer grant, a higher level).
    signed = sign_detached(key, json.dumps(body).encode(), path=GRANT_PATH)
    tampered = {**body, "access_level": "full"}
    _refusal(
        await grant(client, token, None, tampered, headers={SIGNATURE_HEADER: signed}),
        403,
        "signature-invalid",
    )

    # Another user's key does not sign for this grantor.
    other = await make_user(app)
    _refusal(await grant(client, token, await signing_key(app, other), body), 403, "signature-key-unknown")

    # A revoked key is refused at once.
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(SignatureKey).where(SignatureKey.party_id == merchant.id).values(status="revoked")
        )
    _refusal(await grant(client, token, key, body), 403, "signature-key-unknown")
    assert await _grants_of(app, merchant) == 0


async def test_the_representative_must_be_registered_active_and_someone_else(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    merchant, token, key = await _merchant(app)
    body = grant_body(merchant)
    unregistered = {**body, "representative": {"national_code": national_code()}}
    _refusal(
        await grant(client, token, key, unregistered),
        422,
        "representative-not-registered",
        "#/body/representative/national_code",
    )
    unregistered_legal = {**body, "representative": {"national_id": national_id()}}
    _refusal(
        await grant(client, token, key, unregistered_legal),
        422,
        "representative-not-registered",
        "#/body/representative/national_id",
    )
    pending = await make_user(app, status="pending")
    _refusal(
        await grant(client, token, key, grant_body(pending)),
        422,
        "representative-not-registered",
        "#/body/representative/national_code",
    )
    _refusal(await grant(client, token, key, body), 422, "self-representation", "#/body/representative")
    assert await _grants_of(app, merchant) == 0


@pytest.mark.parametrize(
    ("representative", "pointer"),
    [
        ({}, "#/body/representative"),
        ({"national_code": "0012345678"}, "#/body/representative/national_code"),  # wrong check digit
        ({"national_id": "123"}, "#/body/representative/national_id"),
        ({"national_code": "0084575948", "national_id": "10380284790"}, "#/body/representative"),
        ({"passport": "X123"}, "#/body/representative/passport"),
    ],
)
async def test_malformed_representatives_name_the_field(
    app: FastAPI, client: httpx.AsyncClient, representative: dict[str, str], pointer: str
) -> None:
    merchant, token, key = await _merchant(app)
    body = {**grant_body(merchant), "representative": representative}
    response = await grant(client, token, key, body)
    assert response.status_code == 422, response.text
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


async def test_dates(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, token, key = await _merchant(app)
    agent = await make_user(app)
    yesterday = TODAY - timedelta(days=1)
    _refusal(
        await grant(client, token, key, grant_body(agent, starts_on=yesterday, ends_on=TODAY)),
        422,
        "representation-starts-in-the-past",
        "#/body/starts_on",
    )
    _refusal(
        await grant(
            client, token, key, grant_body(agent, starts_on=TODAY + timedelta(days=2), ends_on=TODAY)
        ),
        422,
        "representation-ends-before-start",
        "#/body/ends_on",
    )
    # A merchant grant ends strictly before the commercial card expires.
    for ends_on in (CARD_EXPIRES, CARD_EXPIRES + timedelta(days=1)):
        _refusal(
            await grant(client, token, key, grant_body(agent, ends_on=ends_on)),
            422,
            "representation-outlives-card",
            "#/body/ends_on",
        )
    _refusal(
        await grant(client, token, key, {**grant_body(agent), "starts_on": "2025-02-30"}),
        422,
        "validation-failed",
        "#/body/starts_on",
    )
    assert await _grants_of(app, merchant) == 0
    trader = await make_user(app, roles=("base-natural", "trader"))
    trader_token, trader_key = await token_for(app, trader), await signing_key(app, trader)
    far = grant_body(agent, role="trader", scopes=["full"], ends_on=date(9999, 12, 31))
    _refusal(
        await grant(client, trader_token, trader_key, far), 422, "representation-too-long", "#/body/ends_on"
    )
    assert await _grants_of(app, trader) == 0
    one_day = await grant(client, token, key, grant_body(agent, starts_on=TODAY, ends_on=TODAY))
    assert one_day.status_code == 201, one_day.text
    last_day = await grant(client, token, key, grant_body(agent, ends_on=CARD_EXPIRES - timedelta(days=1)))
    assert last_day.status_code == 201, last_day.text
    later = await grant(client, token, key, grant_body(agent, starts_on=TODAY + timedelta(days=10)))
    assert later.status_code == 201, later.text
    assert later.json()["status"] == "pending"


@pytest.mark.parametrize(
    ("role", "scopes", "pointer"),
    [
        ("merchant", ["full"], "#/body/scopes/0"),
        ("merchant", ["foreign-trade", "sales"], "#/body/scopes/1"),
        ("merchant", ["base"], "#/body/scopes/0"),
        ("merchant", ["currency", "currency"], "#/body/scopes/1"),
        ("trader", ["full", "sales"], "#/body/scopes"),
        ("trader", ["foreign-trade"], "#/body/scopes/0"),
        ("base-natural", ["currency"], "#/body/scopes/0"),
        ("base-natural", ["full"], "#/body/scopes/0"),
    ],
)
async def test_scopes_must_fit_the_role(
    app: FastAPI, client: httpx.AsyncClient, role: str, scopes: list[str], pointer: str
) -> None:
    grantor = await make_user(app, roles=("base-natural", "merchant", "trader"), card_expires_on=CARD_EXPIRES)
    token, key = await token_for(app, grantor), await signing_key(app, grantor)
    agent = await make_user(app)
    _refusal(
        await grant(client, token, key, grant_body(agent, role=role, scopes=scopes)),
        422,
        "representation-scopes-not-allowed",
        pointer,
    )
    assert await _grants_of(app, grantor) == 0


@pytest.mark.parametrize(
    ("role", "scopes"),
    [
        ("merchant", ["product-id"]),
        ("merchant", ["foreign-trade", "currency", "product-id"]),
        ("trader", ["full"]),
        ("trader", ["sales", "warehouses"]),
        ("base-natural", ["base"]),
    ],
)
async def test_scopes_each_role_may_grant(
    app: FastAPI, client: httpx.AsyncClient, role: str, scopes: list[str]
) -> None:
    grantor = await make_user(app, roles=("base-natural", "merchant", "trader"), card_expires_on=CARD_EXPIRES)
    token, key = await token_for(app, grantor), await signing_key(app, grantor)
    response = await grant(client, token, key, grant_body(await make_user(app), role=role, scopes=scopes))
    assert response.status_code == 201, response.text
    assert response.json()["scopes"] == scopes


@pytest.mark.parametrize("scopes", [[], ["everything"]])
async def test_scopes_outside_the_list_fail_validation(
    app: FastAPI, client: httpx.AsyncClient, scopes: list[str]
) -> None:
    _, token, key = await _merchant(app)
    response = await grant(client, token, key, grant_body(await make_user(app), scopes=scopes))
    assert response.status_code == 422
    assert response.json()["code"] == "validation-failed"


async def test_the_grantor_must_hold_the_role(app: FastAPI, client: httpx.AsyncClient) -> None:
    plain = await make_user(app)
    token, key = await token_for(app, plain), await signing_key(app, plain)
    agent = await make_user(app)
    for role, scopes in (("merchant", ["currency"]), ("trader", ["full"]), ("base-legal", ["base"])):
        _refusal(
            await grant(client, token, key, grant_body(agent, role=role, scopes=scopes)),
            422,
            "grantor-role-not-held",
            "#/body/grantor_role",
        )
    expired = await make_user(
        app, roles=("base-natural", "merchant"), card_expires_on=TODAY - timedelta(days=1)
    )
    _refusal(
        await grant(
            client,
            await token_for(app, expired),
            await signing_key(app, expired),
            grant_body(agent, ends_on=TODAY),
        ),
        422,
        "merchant-card-expired",
        "#/body/grantor_role",
    )
    assert await _grants_of(app, plain) == 0
    assert await _grants_of(app, expired) == 0


async def test_a_manager_grants_for_a_legal_person(app: FastAPI, client: httpx.AsyncClient) -> None:
    manager = await make_user(app)
    company = await make_legal(app, manager, roles=("base-legal", "trader"))
    token, key = await token_for(app, manager), await signing_key(app, manager)
    agent = await make_user(app)
    body = grant_body(agent, role="trader", scopes=["full"], legal_person_id=str(company.id))
    response = await grant(client, token, key, body)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["grantor"]["subject"] == f"legal:{company.id}"
    assert out["grantor"]["national_id"] == company.national_id
    assert out["created_by"] == f"user:{manager.id}"
    history = await client.get(f"/v1/representations/{out['id']}/history", headers=bearer(token))
    assert [(e["event"], e["actor"], e["on_behalf_of"]) for e in history.json()["items"]] == [
        ("granted", f"user:{manager.id}", f"legal:{company.id}")
    ]
    # The company's base role is base-legal, never base-natural.
    _refusal(
        await grant(
            client,
            token,
            key,
            grant_body(agent, role="base-natural", scopes=["base"], legal_person_id=str(company.id)),
        ),
        422,
        "grantor-role-not-held",
    )
    # Someone who does not manage the company, or a company that does not exist.
    stranger = await make_user(app)
    stranger_token, stranger_key = await token_for(app, stranger), await signing_key(app, stranger)
    for legal_person_id in (company.id, uuid.uuid4(), manager.id):
        _refusal(
            await grant(
                client, stranger_token, stranger_key, {**body, "legal_person_id": str(legal_person_id)}
            ),
            422,
            "not-a-legal-manager",
            "#/body/legal_person_id",
        )
    assert await _grants_of(app, stranger) == 0


async def test_a_legal_person_can_be_the_representative(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, token, key = await _merchant(app)
    agency = await make_legal(app, await make_user(app))
    response = await grant(client, token, key, grant_body(agency))
    assert response.status_code == 201, response.text
    assert response.json()["representative"]["subject"] == f"legal:{agency.id}"
    assert response.json()["representative"]["kind"] == "legal"


async def test_a_retry_with_the_same_idempotency_key_creates_one_grant(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    merchant, token, key = await _merchant(app)
    body = grant_body(await make_user(app))
    idempotency = {"Idempotency-Key": str(uuid.uuid4())}
    first = await grant(client, token, key, body, headers=idempotency)
    again = await grant(client, token, key, body, headers=idempotency)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert await _grants_of(app, merchant) == 1


async def test_only_a_user_acting_for_themselves_grants(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, _, key = await _merchant(app)
    body = grant_body(await make_user(app))
    _refusal(await grant(client, "not-a-token", key, body), 401, "unauthenticated")
    acting_for = await token_for(
        app, merchant, act={"sub": f"user:{uuid.uuid4()}"}, access_level="full", scope="full"
    )
    _refusal(await grant(client, acting_for, key, body), 403, "user-token-required")
    assert await _grants_of(app, merchant) == 0

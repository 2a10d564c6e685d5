"""Roles assigned by an admin client, the admin party lookup and the user's own roles."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import bearer, make_legal, make_user, national_code, token_for
from sqlalchemy import select

from identity.claims import party_claims
from identity.cli import _create_client
from identity.models import AuditEntry, Party
from identity.subjects import subject_of
from kit.clock import today_tehran
from kit.runtime import runtime_of


@pytest.fixture(scope="module")
async def agent_token(identity: httpx.AsyncClient, settings_for) -> str:  # type: ignore[no-untyped-def]
    """A machine client without the admin scope."""
    created = await _create_client(settings_for("identity"), "Roles test agent", ["clearance-agent"])
    response = await identity.post(
        "/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )
    return response.json()["access_token"]


def _merchant(expires_in_days: int = 365, issued_days_ago: int = 30) -> dict[str, Any]:
    today = today_tehran()
    return {
        "role": "merchant",
        "commercial_card": {
            "number": "1234567890",
            "issued_on": (today - timedelta(days=issued_days_ago)).isoformat(),
            "expires_on": (today + timedelta(days=expires_in_days)).isoformat(),
        },
    }


OFFICER = {"role": "officer", "office": {"kind": "customs-office", "code": "10300", "name": "گمرک تهران"}}


async def _claims(app: FastAPI, party: Party) -> dict[str, Any]:
    async with runtime_of(app).sessionmaker() as session:
        return await party_claims(session, party)


async def test_assign_merchant_then_revoke(app: FastAPI, client: httpx.AsyncClient, admin_token: str) -> None:
    user = await make_user(app)
    admin = bearer(admin_token)
    url = f"/v1/parties/{user.id}/roles"

    assigned = await client.post(url, json=_merchant(), headers=admin)
    assert assigned.status_code == 201, assigned.text
    body = assigned.json()
    assert body["role"] == "merchant"
    assert body["subject"] == subject_of(user)
    assert body["commercial_card"]["number"] == "1234567890"
    assert body["commercial_card"]["valid"] is True
    assert body["assigned_by"].startswith("client:")
    assert assigned.headers["location"].endswith(url)
    assert "merchant" in (await _claims(app, user))["roles"]

    mine = await client.get("/v1/me/roles", headers=bearer(await token_for(app, user)))
    assert mine.status_code == 200
    assert sorted(r["role"] for r in mine.json()["items"]) == ["base-natural", "merchant"]
    listed = await client.get(url, headers=admin)
    assert sorted(r["role"] for r in listed.json()["items"]) == ["base-natural", "merchant"]

    twice = await client.post(url, json=_merchant(), headers=admin)
    assert twice.status_code == 409
    assert twice.json()["code"] == "role-already-assigned"

    revoked = await client.delete(f"{url}/merchant", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    assert "merchant" not in (await _claims(app, user))["roles"]
    gone = await client.delete(f"{url}/merchant", headers=admin)
    assert gone.status_code == 404
    assert gone.json()["code"] == "role-not-assigned"
    assert (await client.post(url, json=_merchant(), headers=admin)).status_code == 201

    async with runtime_of(app).sessionmaker() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "party", AuditEntry.object_id == str(user.id))
                .order_by(AuditEntry.id)
            )
        ).all()
    assert actions == ["role.assigned", "role.revoked", "role.assigned"]


@pytest.mark.parametrize(
    ("card", "code", "pointer"),
    [
        (_merchant(expires_in_days=-1), "commercial-card-expired", "#/body/commercial_card/expires_on"),
        (
            _merchant(expires_in_days=-40, issued_days_ago=30),
            "commercial-card-dates-invalid",
            "#/body/commercial_card/expires_on",
        ),
        (_merchant(issued_days_ago=-1), "commercial-card-dates-invalid", "#/body/commercial_card/issued_on"),
    ],
)
async def test_card_dates_are_checked(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str, card: dict, code: str, pointer: str
) -> None:
    user = await make_user(app)
    response = await client.post(f"/v1/parties/{user.id}/roles", json=card, headers=bearer(admin_token))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert response.json()["errors"][0]["pointer"] == pointer
    assert (await _claims(app, user))["roles"] == ["base-natural"]


async def test_a_card_expiring_today_is_accepted_and_merchant_drops_after(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> None:
    user = await make_user(app)
    response = await client.post(
        f"/v1/parties/{user.id}/roles", json=_merchant(expires_in_days=0), headers=bearer(admin_token)
    )
    assert response.status_code == 201
    expired = await make_user(
        app, roles=("base-natural", "merchant"), card_expires_on=today_tehran() - timedelta(days=1)
    )
    mine = await client.get("/v1/me/roles", headers=bearer(await token_for(app, expired)))
    merchant = next(r for r in mine.json()["items"] if r["role"] == "merchant")
    assert merchant["commercial_card"]["valid"] is False
    assert "merchant" not in (await _claims(app, expired))["roles"]


async def test_officer_and_trader(app: FastAPI, client: httpx.AsyncClient, admin_token: str) -> None:
    user = await make_user(app)
    admin = bearer(admin_token)
    officer = await client.post(f"/v1/parties/{user.id}/roles", json=OFFICER, headers=admin)
    assert officer.status_code == 201, officer.text
    assert officer.json()["office"] == OFFICER["office"]
    trader = await client.post(f"/v1/parties/{user.id}/roles", json={"role": "trader"}, headers=admin)
    assert trader.status_code == 201
    claims = await _claims(app, user)
    assert sorted(claims["roles"]) == ["base-natural", "officer", "trader"]
    assert claims["office"] == OFFICER["office"]


async def test_legal_persons_can_be_merchants_but_not_officers(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> None:
    legal = await make_legal(app, await make_user(app))
    admin = bearer(admin_token)
    assert (
        await client.post(f"/v1/parties/{legal.id}/roles", json=_merchant(), headers=admin)
    ).status_code == 201
    refused = await client.post(f"/v1/parties/{legal.id}/roles", json=OFFICER, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["code"] == "role-not-for-party-kind"


@pytest.mark.parametrize(
    "body",
    [
        {"role": "base-natural"},
        {"role": "base-legal"},
        {"role": "merchant"},
        {"role": "officer", "office": {"kind": "customs-office", "code": "103", "name": "x"}},
        {"role": "officer", "office": {"kind": "embassy", "code": "1", "name": "x"}},
        {**_merchant(), "commercial_card": {**_merchant()["commercial_card"], "number": "12-34"}},
        {"role": "trader", "extra": 1},
    ],
)
async def test_malformed_assignments_are_422(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str, body: dict
) -> None:
    user = await make_user(app)
    response = await client.post(f"/v1/parties/{user.id}/roles", json=body, headers=bearer(admin_token))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"].startswith("#/body")


async def test_base_roles_cannot_be_revoked_here_and_unknown_party_is_404(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> None:
    user = await make_user(app)
    admin = bearer(admin_token)
    assert (
        await client.delete(f"/v1/parties/{user.id}/roles/base-natural", headers=admin)
    ).status_code == 422
    unknown = "00000000-0000-4000-8000-000000000000"
    missing = await client.post(f"/v1/parties/{unknown}/roles", json={"role": "trader"}, headers=admin)
    assert missing.status_code == 404
    assert missing.json()["code"] == "party-not-found"
    assert (await client.get(f"/v1/parties/{unknown}/roles", headers=admin)).status_code == 404
    assert (await client.delete(f"/v1/parties/{unknown}/roles/trader", headers=admin)).status_code == 404


async def test_party_lookup(app: FastAPI, client: httpx.AsyncClient, admin_token: str) -> None:
    user = await make_user(app)
    legal = await make_legal(app, user)
    admin = bearer(admin_token)
    found = await client.get("/v1/parties", params={"national_code": user.national_code}, headers=admin)
    assert found.status_code == 200
    assert found.json() == {
        "items": [{"id": str(user.id), "subject": subject_of(user), "kind": "natural", "status": "active"}]
    }
    persian = str(user.national_code).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert (
        await client.get("/v1/parties", params={"national_code": persian}, headers=admin)
    ).json() == found.json()
    by_id = await client.get("/v1/parties", params={"national_id": legal.national_id}, headers=admin)
    assert by_id.json()["items"][0]["subject"] == subject_of(legal)
    assert (
        await client.get("/v1/parties", params={"national_code": national_code()}, headers=admin)
    ).json() == {"items": []}
    assert (await client.get("/v1/parties", headers=admin)).json() == {"items": []}
    both = await client.get(
        "/v1/parties",
        params={"national_code": user.national_code, "national_id": legal.national_id},
        headers=admin,
    )
    assert [p["subject"] for p in both.json()["items"]] == [subject_of(user), subject_of(legal)]
    bad = str(user.national_code)[:9] + str((int(str(user.national_code)[9]) + 1) % 10)
    wrong_check = await client.get("/v1/parties", params={"national_code": bad}, headers=admin)
    assert wrong_check.status_code == 422
    assert wrong_check.json()["errors"][0]["pointer"] == "#/query/national_code"


async def test_admin_endpoints_refuse_everyone_else(
    app: FastAPI, client: httpx.AsyncClient, agent_token: str
) -> None:
    user = await make_user(app)
    user_token = await token_for(app, user)
    calls = [
        ("POST", f"/v1/parties/{user.id}/roles", {"role": "trader"}),
        ("GET", f"/v1/parties/{user.id}/roles", None),
        ("DELETE", f"/v1/parties/{user.id}/roles/trader", None),
        ("GET", f"/v1/parties?national_code={user.national_code}", None),
    ]
    for method, url, body in calls:
        assert (await client.request(method, url, json=body)).status_code == 401, url
        for token in (user_token, agent_token):
            refused = await client.request(method, url, json=body, headers=bearer(token))
            assert refused.status_code == 403, (url, refused.text)
    assert (await _claims(app, user))["roles"] == ["base-natural"]


async def test_my_roles_needs_the_user_s_own_token(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> None:
    user, principal = await make_user(app), await make_user(app)
    assert (await client.get("/v1/me/roles")).status_code == 401
    acting_for = await token_for(app, principal, act={"sub": subject_of(user)})
    for token in (acting_for, admin_token):
        assert (await client.get("/v1/me/roles", headers=bearer(token))).status_code == 403

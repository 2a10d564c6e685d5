"""Roles and the claims a user's own token carries."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from identity_testing.parties import make_user

from identity.claims import party_claims
from identity.models import RoleAssignment
from identity.roles import live_role, live_roles, merchant_card_valid
from kit.clock import now_utc, today_tehran
from kit.runtime import runtime_of


async def test_live_role_ignores_revoked_assignments(app: FastAPI) -> None:
    party = await make_user(app, roles=("base-natural", "trader"))
    async with runtime_of(app).sessionmaker() as session, session.begin():
        trader = await live_role(session, party.id, "trader")
        assert trader is not None
        assert trader.role == "trader"
        assert await live_role(session, party.id, "merchant") is None
        trader.revoked_at = now_utc()
    async with runtime_of(app).sessionmaker() as session:
        assert await live_role(session, party.id, "trader") is None
        assert [a.role for a in await live_roles(session, party.id)] == ["base-natural"]


def test_merchant_card_valid_through_its_expiry_date() -> None:
    today = today_tehran()
    card = RoleAssignment(role="merchant", card_expires_on=today)
    assert merchant_card_valid(card, today)
    assert not merchant_card_valid(card, today + timedelta(days=1))
    assert not merchant_card_valid(RoleAssignment(role="merchant"), today)


async def test_claims_of_a_merchant_with_a_valid_card(app: FastAPI) -> None:
    expires = today_tehran()
    party = await make_user(app, roles=("base-natural", "merchant", "trader"), card_expires_on=expires)
    async with runtime_of(app).sessionmaker() as session:
        claims = await party_claims(session, party)
    assert sorted(claims["roles"]) == ["base-natural", "merchant", "trader"]
    assert claims["commercial_card_expires"] == expires.isoformat()
    assert claims["commercial_card_issued"] == "2025-01-01"  # identity_testing.parties's card
    assert "office" not in claims


async def test_claims_drop_merchant_when_the_card_expired(app: FastAPI) -> None:
    party = await make_user(
        app, roles=("base-natural", "merchant"), card_expires_on=today_tehran() - timedelta(days=1)
    )
    async with runtime_of(app).sessionmaker() as session:
        claims = await party_claims(session, party)
    assert claims == {"roles": ["base-natural"]}


async def test_claims_of_an_officer_name_the_office(app: FastAPI) -> None:
    party = await make_user(app, roles=("base-natural", "officer"), office_code="50107")
    async with runtime_of(app).sessionmaker() as session:
        claims = await party_claims(session, party)
    assert sorted(claims["roles"]) == ["base-natural", "officer"]
    assert claims["office"] == {"kind": "customs-office", "code": "50107", "name": "Test office"}

"""Factories for tests of identity and of the services that trust it: people straight into the database,
and tokens minted with the app's own signer.

Use them to set up a test's world quickly; test the real flows (registration,
login, grants) through the API. ``Party`` is what ``make_user`` and ``make_legal`` answer.
"""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date
from typing import Any

from fastapi import FastAPI
from pwdlib import PasswordHash

from identity import accounts_repository
from identity.models import Account, LegalManager, Party, RoleAssignment, SandboxCompany
from identity.state import identity_state_of
from identity.subjects import subject_of
from identity.tokens import issue_access_token
from kit.clock import now_utc
from kit.runtime import runtime_of

__all__ = [
    "PASSWORD",
    "Party",
    "bearer",
    "make_legal",
    "make_user",
    "mobile",
    "national_code",
    "national_id",
    "register_company",
    "token_for",
]

PASSWORD = "Correct-Horse-9-Battery"
_hasher = PasswordHash.recommended()
_password_hash = _hasher.hash(PASSWORD)
_serial = itertools.count(random.randrange(10**6))
_mobiles = itertools.count(random.randrange(10**6))


def national_code() -> str:
    """A fresh, valid 10-digit national code (check digit per the national algorithm)."""
    while True:
        body = f"{next(_serial) * 7919 % 10**9:09d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(body))
        remainder = total % 11
        check = remainder if remainder < 2 else 11 - remainder
        code = body + str(check)
        if len(set(code)) > 1:
            return code


def national_id() -> str:
    """A fresh, valid 11-digit national ID of a legal person."""
    coefficients = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)
    while True:
        body = f"{next(_serial) * 104729 % 10**10:010d}"
        offset = int(body[9]) + 2
        remainder = sum((int(d) + offset) * c for d, c in zip(body, coefficients, strict=True)) % 11
        check = 0 if remainder == 10 else remainder
        return body + str(check)


def mobile() -> str:
    return f"0912{next(_mobiles) % 10**7:07d}"


async def make_user(
    app: FastAPI,
    *,
    roles: tuple[str, ...] = ("base-natural",),
    card_expires_on: date | None = None,
    office_code: str | None = None,
    two_factor: str = "none",
    status: str = "active",
) -> Party:
    """An active natural person with password ``PASSWORD`` and the given roles."""
    async with runtime_of(app).sessionmaker() as session, session.begin():
        party = Party(
            id=uuid.uuid4(),
            kind="natural",
            national_code=national_code(),
            first_name="Test",
            last_name="User",
            mobile=mobile(),
            postal_code="1136913141",
            status=status,
        )
        session.add(party)
        await session.flush()
        session.add(Account(party_id=party.id, password_hash=_password_hash, two_factor=two_factor))
        for role in roles:
            session.add(_assignment(party.id, role, card_expires_on, office_code))
    return party


async def register_company(
    app: FastAPI, national_id: str, managers: list[str], *, status: str = "active", name: str = "Test Co"
) -> None:
    """Make the sandbox companies registry know ``national_id`` with these managers' national codes."""
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await accounts_repository.set_sandbox_company(
            session,
            SandboxCompany(
                national_id=national_id,
                name=name,
                registration_number=str(random.randrange(10**5, 10**6)),
                status=status,
                manager_national_codes=managers,
            ),
        )


async def make_legal(
    app: FastAPI, manager: Party, *, roles: tuple[str, ...] = ("base-legal",), status: str = "active"
) -> Party:
    """A legal person managed by ``manager``; ``active`` ones are verified against (and
    known to) the sandbox companies registry, ``pending`` ones are not."""
    nid = national_id()
    verified = status == "active"
    if verified:
        assert manager.national_code is not None
        await register_company(app, nid, [manager.national_code])
    async with runtime_of(app).sessionmaker() as session, session.begin():
        party = Party(
            id=uuid.uuid4(),
            kind="legal",
            national_id=nid,
            name="Test Co",
            status=status,
            registration_number="123456" if verified else None,
            verified_at=now_utc() if verified else None,
        )
        session.add(party)
        await session.flush()
        session.add(LegalManager(legal_id=party.id, manager_id=manager.id, added_by=subject_of(manager)))
        for role in roles:
            session.add(_assignment(party.id, role, None, None))
    return party


def _assignment(
    party_id: uuid.UUID, role: str, card_expires_on: date | None, office_code: str | None
) -> RoleAssignment:
    extra: dict[str, Any] = {}
    if role == "merchant":
        extra = {
            "commercial_card_number": f"{random.randrange(10**10):010d}",
            "card_issued_on": date(2025, 1, 1),
            "card_expires_on": card_expires_on or date(2030, 1, 1),
        }
    if role == "officer":
        extra = {
            "office_kind": "customs-office",
            "office_code": office_code or "50100",
            "office_name": "Test office",
        }
    return RoleAssignment(party_id=party_id, role=role, assigned_by="test", **extra)


async def token_for(app: FastAPI, party: Party, **claims: Any) -> str:
    """An access token for ``party`` acting for themselves; ``claims`` override the defaults."""
    token, _ = await issue_access_token(
        identity_state_of(app),
        subject=subject_of(party),
        claims={"roles": ["base-natural"], "amr": ["pwd"], **claims},
    )
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

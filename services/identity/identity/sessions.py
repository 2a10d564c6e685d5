"""Login sessions: the access token and the rotating refresh token of a logged-in user.

A login opens a *family* (its ID is the access token's ``sid``). The refresh
token is 256 random bits; only its SHA-256 is stored. Each use spends it and
issues the next one in the same family. A token lives
``refresh_token_ttl_days`` (14) and never beyond ``refresh_family_max_days``
(30) after the login: then the user logs in again.

A spent token presented again means it leaked (or the client lost an answer):
the whole family is revoked, in its own committed transaction so that the
revocation holds although the request fails. Two simultaneous uses of one
token queue on its row lock; the second sees it spent and revokes the family.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from fastapi import Request
from identity_client.models import TokenResponse
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, login_repository
from identity.claims import party_claims
from identity.exceptions import InvalidGrant
from identity.models import Party, RefreshToken
from identity.state import identity_state
from identity.subjects import subject_of
from identity.tokens import issue_access_token
from kit.clock import now_utc

REFRESH_TOKEN_BYTES = 32


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def start(request: Request, session: AsyncSession, party: Party, *, amr: list[str]) -> TokenResponse:
    """A new session for ``party``, authenticated just now by the methods in ``amr``."""
    now = now_utc()
    family_id = uuid.uuid4()
    audit.record(
        session,
        actor=subject_of(party),
        action="session.start",
        object_type="session",
        object_id=family_id,
        details={"amr": amr},
    )
    return await _issue(request, session, party, family_id=family_id, amr=amr, auth_time=now, now=now)


async def rotate(request: Request, session: AsyncSession, raw: str) -> TokenResponse:
    """Spend the refresh token ``raw`` and issue the next pair of its family."""
    now = now_utc()
    row = await login_repository.refresh_token_for_update(session, token_hash(raw))
    if row is None:
        raise InvalidGrant("The refresh token is not valid.")
    if row.revoked_at is not None:
        raise InvalidGrant("The refresh token was revoked; log in again.")
    if row.used_at is not None:
        await _revoke_reused_family(request, row)
        raise InvalidGrant(
            "The refresh token was already used, so it may have leaked: "
            "every token of this login is revoked. Log in again."
        )
    if row.expires_at <= now:
        raise InvalidGrant("The refresh token has expired; log in again.")
    if await login_repository.family_revoked(session, row.family_id):
        raise InvalidGrant("The refresh token was revoked; log in again.")
    party = await session.get(Party, row.party_id)
    if party is None or party.status != "active":
        raise InvalidGrant("The account is not active.")
    row.used_at = now
    return await _issue(
        request, session, party, family_id=row.family_id, amr=list(row.amr), auth_time=row.auth_time, now=now
    )


async def revoke_family(
    session: AsyncSession, family_id: uuid.UUID, *, party_id: uuid.UUID, actor: str, reason: str
) -> int:
    """End a session (logout): every token of the family stops working."""
    revoked = await login_repository.revoke_family(session, family_id, now_utc(), party_id=party_id)
    if revoked:
        audit.record(
            session,
            actor=actor,
            action="session.revoke",
            object_type="session",
            object_id=family_id,
            details={"reason": reason},
        )
    return revoked


async def revoke_all(session: AsyncSession, party_id: uuid.UUID, *, actor: str, reason: str) -> int:
    """End every session of the party (after a password reset): all its refresh tokens stop working.

    Access tokens already issued cannot be recalled; they expire within 10 minutes.
    """
    revoked = await login_repository.revoke_party_tokens(session, party_id, now_utc())
    audit.record(
        session,
        actor=actor,
        action="session.revoke-all",
        object_type="account",
        object_id=party_id,
        details={"reason": reason, "refresh_tokens": revoked},
    )
    return revoked


async def revoke_by_token(session: AsyncSession, raw: str, *, actor: str) -> None:
    """RFC 7009: revoke the family of the refresh token ``raw``; unknown tokens are ignored."""
    row = await login_repository.refresh_token(session, token_hash(raw))
    if row is not None:
        await revoke_family(session, row.family_id, party_id=row.party_id, actor=actor, reason="revocation")


async def _revoke_reused_family(request: Request, spent: RefreshToken) -> None:
    """Revoke the family in a transaction of its own (the request's rolls back).

    The spent row stays locked by the request's session, so it is left out;
    being spent, it can never be used anyway.
    """
    async with identity_state(request).runtime.sessionmaker() as own, own.begin():
        await login_repository.revoke_family(own, spent.family_id, now_utc(), except_id=spent.id)
        audit.record(
            own,
            actor=f"user:{spent.party_id}",
            action="session.revoke",
            object_type="session",
            object_id=spent.family_id,
            details={"reason": "refresh-token-reuse", "token_id": str(spent.id)},
        )


async def _issue(
    request: Request,
    session: AsyncSession,
    party: Party,
    *,
    family_id: uuid.UUID,
    amr: list[str],
    auth_time: datetime,
    now: datetime,
) -> TokenResponse:
    settings = identity_state(request).settings
    raw = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    session.add(
        RefreshToken(
            family_id=family_id,
            party_id=party.id,
            token_hash=token_hash(raw),
            amr=amr,
            auth_time=auth_time,
            issued_at=now,
            expires_at=min(
                now + timedelta(days=settings.refresh_token_ttl_days),
                auth_time + timedelta(days=settings.refresh_family_max_days),
            ),
        )
    )
    await session.flush()
    claims = await party_claims(session, party)
    claims.update(amr=amr, auth_time=int(auth_time.timestamp()), sid=str(family_id))
    access, ttl = await issue_access_token(identity_state(request), subject=subject_of(party), claims=claims)
    return TokenResponse(access_token=access, expires_in=ttl, refresh_token=raw)

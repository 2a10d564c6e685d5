"""Queries of login, its back-off, second factor, refresh tokens and SSO."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, case, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import Account, Party
from identity.login.models import LoginChallenge, LoginThrottle, RefreshToken
from identity.sso.models import SsoLogin


async def natural_person_with_account(
    session: AsyncSession, national_code: str
) -> tuple[Party, Account] | None:
    """The natural person with ``national_code`` and their login, in one round trip."""
    row = (
        await session.execute(
            select(Party, Account)
            .join(Account, Account.party_id == Party.id)
            .where(Party.national_code == national_code, Party.kind == "natural")
        )
    ).first()
    return (row[0], row[1]) if row else None


async def account(session: AsyncSession, party_id: uuid.UUID, *, lock: bool = False) -> Account | None:
    return await session.get(Account, party_id, with_for_update=lock, populate_existing=lock)


async def claim_totp_step(session: AsyncSession, party_id: uuid.UUID, step: int) -> bool:
    """Record ``step`` as the last TOTP step used, unless it (or a later one) was
    used already. Atomic: of two requests with the same code, one wins."""
    result = await session.execute(
        update(Account)
        .where(
            Account.party_id == party_id,
            or_(Account.totp_last_step.is_(None), Account.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def challenge(
    session: AsyncSession, challenge_id: uuid.UUID, *, lock: bool = False
) -> LoginChallenge | None:
    return await session.get(LoginChallenge, challenge_id, with_for_update=lock, populate_existing=lock)


async def refresh_token_for_update(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """The refresh token with this hash, locked: concurrent uses queue up behind it."""
    return await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )


async def refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


async def family_revoked(session: AsyncSession, family_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(
            select(exists().where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None)))
        )
    )


async def revoke_family(
    session: AsyncSession,
    family_id: uuid.UUID,
    at: datetime,
    *,
    party_id: uuid.UUID | None = None,
    except_id: uuid.UUID | None = None,
) -> int:
    """Revoke every live token of the family; returns how many were revoked."""
    conditions = [RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None)]
    if party_id is not None:
        conditions.append(RefreshToken.party_id == party_id)
    if except_id is not None:
        conditions.append(RefreshToken.id != except_id)
    result = await session.execute(
        update(RefreshToken)
        .where(and_(*conditions))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def revoke_party_tokens(session: AsyncSession, party_id: uuid.UUID, at: datetime) -> int:
    """Revoke every live refresh token of the party, all its logins; how many were revoked."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.party_id == party_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def sso_login_for_update(session: AsyncSession, state: str) -> SsoLogin | None:
    return await session.get(SsoLogin, state, with_for_update=True)


async def throttles(session: AsyncSession, keys: list[str]) -> list[LoginThrottle]:
    return list(await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))))


async def throttle(session: AsyncSession, key: str) -> LoginThrottle | None:
    return await session.get(LoginThrottle, key)


async def count_throttle_failure(
    session: AsyncSession, key: str, *, account_ref: str | None, now: datetime, forgotten: datetime
) -> int:
    """Count one failure under ``key`` (from 1 again when the last is older than ``forgotten``);
    the failures counted."""
    statement = insert(LoginThrottle).values(
        key=key, account_ref=account_ref, failures=1, last_failure_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={
            "failures": case(
                (LoginThrottle.last_failure_at < forgotten, 1), else_=LoginThrottle.failures + 1
            ),
            "last_failure_at": now,
        },
    ).returning(LoginThrottle.failures)
    return int((await session.execute(statement)).scalar_one())


async def delete_throttle(session: AsyncSession, key: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


async def delete_account_throttles(session: AsyncSession, account_ref: str) -> int:
    result = await session.execute(delete(LoginThrottle).where(LoginThrottle.account_ref == account_ref))
    return int(getattr(result, "rowcount", 0) or 0)

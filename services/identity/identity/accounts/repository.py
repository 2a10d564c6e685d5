"""Queries of accounts, registration attempts, legal persons and their managers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import LegalManager, Party, RegistrationAttempt
from identity.models import VerificationCode
from kit.pagination import PageParams, fetch_page

# Namespace of the two-key advisory locks that serialise registrations of one identifier.
_IDENTIFIER_LOCK = 0x696473  # "ids"


async def lock_identifier(session: AsyncSession, identifier: str) -> None:
    """Hold, until the transaction ends, the lock of one national code or ID, so two
    concurrent registrations of it cannot both pass the "not registered yet" check."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": _IDENTIFIER_LOCK, "key": identifier}
    )


async def party(session: AsyncSession, party_id: uuid.UUID) -> Party | None:
    return await session.get(Party, party_id)


async def party_by_national_code(session: AsyncSession, national_code: str) -> Party | None:
    return await session.scalar(select(Party).where(Party.national_code == national_code))


async def party_by_national_id(session: AsyncSession, national_id: str) -> Party | None:
    return await session.scalar(select(Party).where(Party.national_id == national_id))


async def registration_attempt(
    session: AsyncSession, attempt_id: uuid.UUID, *, lock: bool = False
) -> RegistrationAttempt | None:
    """A registration attempt, read afresh; with ``lock``, locked for this transaction."""
    stmt = select(RegistrationAttempt).where(RegistrationAttempt.id == attempt_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt.execution_options(populate_existing=True))


async def supersede_attempts(
    session: AsyncSession, *, national_code: str, confirmed_id: uuid.UUID, at: datetime
) -> list[uuid.UUID]:
    """End every other pending attempt of ``national_code``: one was confirmed."""
    rows = await session.scalars(
        update(RegistrationAttempt)
        .where(
            RegistrationAttempt.national_code == national_code,
            RegistrationAttempt.status == "pending",
            RegistrationAttempt.id != confirmed_id,
        )
        .values(status="superseded", decided_at=at, password_hash="")
        .returning(RegistrationAttempt.id)
    )
    return list(rows)


async def code_of_party(
    session: AsyncSession, *, code_id: uuid.UUID, party_id: uuid.UUID, purpose: str
) -> VerificationCode | None:
    return await session.scalar(
        select(VerificationCode).where(
            VerificationCode.id == code_id,
            VerificationCode.party_id == party_id,
            VerificationCode.purpose == purpose,
        )
    )


async def party_by_national_id_for_update(session: AsyncSession, national_id: str) -> Party | None:
    return await session.scalar(
        select(Party)
        .where(Party.national_id == national_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def remove_managers_except(
    session: AsyncSession, *, legal_id: uuid.UUID, national_codes: frozenset[str]
) -> list[Party]:
    """Remove the managers of ``legal_id`` whose national code is not in ``national_codes``;
    answers who was removed."""
    rows = await session.scalars(
        select(Party)
        .join(LegalManager, LegalManager.manager_id == Party.id)
        .where(LegalManager.legal_id == legal_id, Party.national_code.not_in(national_codes))
    )
    removed = list(rows)
    if removed:
        await session.execute(
            delete(LegalManager).where(
                LegalManager.legal_id == legal_id, LegalManager.manager_id.in_([p.id for p in removed])
            )
        )
    return removed


async def managed_legal_person(
    session: AsyncSession, *, legal_id: uuid.UUID, manager_id: uuid.UUID
) -> Party | None:
    return await session.scalar(
        select(Party)
        .join(LegalManager, LegalManager.legal_id == Party.id)
        .where(Party.id == legal_id, Party.kind == "legal", LegalManager.manager_id == manager_id)
    )


async def list_managed_legal_persons(
    session: AsyncSession, manager_id: uuid.UUID, params: PageParams
) -> list[Party]:
    stmt = (
        select(Party)
        .join(LegalManager, LegalManager.legal_id == Party.id)
        .where(LegalManager.manager_id == manager_id, Party.kind == "legal")
    )
    return await fetch_page(session, stmt, order_by=[Party.created_at, Party.id], params=params)


async def managers_of(session: AsyncSession, legal_id: uuid.UUID) -> list[tuple[LegalManager, Party]]:
    rows = await session.execute(
        select(LegalManager, Party)
        .join(Party, Party.id == LegalManager.manager_id)
        .where(LegalManager.legal_id == legal_id)
        .order_by(LegalManager.created_at, LegalManager.manager_id)
    )
    return [(manager, party) for manager, party in rows]


async def add_manager(
    session: AsyncSession, *, legal_id: uuid.UUID, manager_id: uuid.UUID, added_by: str, at: datetime
) -> bool:
    """Make ``manager_id`` a manager; False when they already were."""
    inserted = await session.scalar(
        insert(LegalManager)
        .values(legal_id=legal_id, manager_id=manager_id, added_by=added_by, created_at=at)
        .on_conflict_do_nothing()
        .returning(LegalManager.manager_id)
    )
    return inserted is not None

"""Queries of accounts, legal persons and the sandbox outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import Request
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.models import LegalManager, Party, SandboxMobileOwner, SmsMessage, VerificationCode
from kit.pagination import PageParams, paginate

# Namespace of the two-key advisory locks that serialise registrations of one identifier.
_IDENTIFIER_LOCK = 0x696473  # "ids"


async def lock_identifier(session: AsyncSession, identifier: str) -> None:
    """Hold, until the transaction ends, the lock of one national code or ID, so two
    concurrent registrations of it cannot both pass the "not registered yet" check."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": _IDENTIFIER_LOCK, "key": identifier}
    )


async def party_by_national_code(session: AsyncSession, national_code: str) -> Party | None:
    return await session.scalar(select(Party).where(Party.national_code == national_code))


async def party_by_national_id(session: AsyncSession, national_id: str) -> Party | None:
    return await session.scalar(select(Party).where(Party.national_id == national_id))


async def pending_natural_party(session: AsyncSession, party_id: uuid.UUID) -> Party | None:
    """A natural person waiting for the registration code, locked for this transaction."""
    return await session.scalar(
        select(Party)
        .where(Party.id == party_id, Party.kind == "natural", Party.status == "pending")
        .with_for_update()
    )


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


async def managed_legal_person(
    session: AsyncSession, *, legal_id: uuid.UUID, manager_id: uuid.UUID
) -> Party | None:
    return await session.scalar(
        select(Party)
        .join(LegalManager, LegalManager.legal_id == Party.id)
        .where(Party.id == legal_id, Party.kind == "legal", LegalManager.manager_id == manager_id)
    )


async def list_managed_legal_persons(
    session: AsyncSession, manager_id: uuid.UUID, params: PageParams, request: Request
) -> tuple[list[Party], str | None]:
    stmt = (
        select(Party)
        .join(LegalManager, LegalManager.legal_id == Party.id)
        .where(LegalManager.manager_id == manager_id, Party.kind == "legal")
    )
    return await paginate(
        session,
        stmt,
        order_by=[Party.created_at, Party.id],
        params=params,
        request=request,
        key_of=lambda p: (p.created_at.isoformat(), p.id),
    )


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


async def sms_sent_to(session: AsyncSession, mobile: str, limit: int) -> list[SmsMessage]:
    rows = await session.scalars(
        select(SmsMessage).where(SmsMessage.mobile == mobile).order_by(SmsMessage.id.desc()).limit(limit)
    )
    return list(rows)


async def set_sandbox_owner(session: AsyncSession, mobile: str, national_code: str) -> None:
    await session.execute(
        insert(SandboxMobileOwner)
        .values(mobile=mobile, national_code=national_code)
        .on_conflict_do_update(
            index_elements=[SandboxMobileOwner.mobile], set_={"national_code": national_code}
        )
    )


async def clear_sandbox_owner(session: AsyncSession, mobile: str) -> None:
    await session.execute(delete(SandboxMobileOwner).where(SandboxMobileOwner.mobile == mobile))

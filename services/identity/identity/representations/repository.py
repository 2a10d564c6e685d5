"""Every query of representation: grants, their parties, managers of legal persons, history."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from identity_client.representations import RepresentationSide, RepresentationStatus
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from identity.accounts.models import LegalManager, Party
from identity.representations.models import Representation, RepresentationEvent
from kit.pagination import PageParams, fetch_page


def add(session: AsyncSession, obj: object) -> None:
    session.add(obj)


async def active_party_by_identifier(
    session: AsyncSession, *, national_code: str | None = None, national_id: str | None = None
) -> Party | None:
    """The active party with this national code (natural) or national ID (legal)."""
    column = Party.national_code if national_code is not None else Party.national_id
    return await session.scalar(
        select(Party).where(column == (national_code or national_id), Party.status == "active")
    )


async def managed_legal_ids(session: AsyncSession, manager_id: uuid.UUID) -> list[uuid.UUID]:
    """The legal persons ``manager_id`` manages."""
    rows = await session.scalars(select(LegalManager.legal_id).where(LegalManager.manager_id == manager_id))
    return list(rows)


async def manages(session: AsyncSession, manager_id: uuid.UUID, legal_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(LegalManager.legal_id).where(
            LegalManager.manager_id == manager_id, LegalManager.legal_id == legal_id
        )
    )
    return found is not None


async def get(
    session: AsyncSession, representation_id: uuid.UUID, *, lock: bool = False
) -> Representation | None:
    """One grant; ``lock`` takes a row lock (``FOR UPDATE``) for a change of state."""
    stmt = select(Representation).where(Representation.id == representation_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def parties(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Party]:
    if not ids:
        return {}
    rows = await session.scalars(select(Party).where(Party.id.in_(set(ids))))
    return {p.id: p for p in rows}


async def lapsed_unannounced(session: AsyncSession, today: date, limit: int = 500) -> list[Representation]:
    """Accepted grants that ended before ``today`` and whose expiry is not yet published, locked
    (rows another runner holds are skipped: it publishes them)."""
    stmt = (
        select(Representation)
        .where(
            Representation.state == "accepted",
            Representation.ends_on < today,
            Representation.expiry_published_at.is_(None),
        )
        .order_by(Representation.ends_on, Representation.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(stmt))


def status_condition(status: RepresentationStatus, today: date) -> ColumnElement[bool]:
    """SQL for "the grant's status today is ``status``" (``identity.representations.service.status_of``)."""
    r = Representation
    conditions: dict[RepresentationStatus, ColumnElement[bool]] = {
        RepresentationStatus.PENDING: and_(r.state == "pending", r.ends_on >= today),
        RepresentationStatus.REJECTED: r.state == "rejected",
        RepresentationStatus.REVOKED: r.state == "revoked",
        RepresentationStatus.SCHEDULED: and_(r.state == "accepted", r.starts_on > today),
        RepresentationStatus.ACTIVE: and_(r.state == "accepted", r.starts_on <= today, r.ends_on >= today),
        RepresentationStatus.EXPIRED: and_(r.state.in_(("pending", "accepted")), r.ends_on < today),
    }
    return conditions[status]


async def list_for(
    session: AsyncSession,
    *,
    party_ids: list[uuid.UUID],
    side: RepresentationSide,
    status: RepresentationStatus | None,
    today: date,
    params: PageParams,
) -> list[Representation]:
    """Grants given (``granted``) or received by any of ``party_ids``, oldest first."""
    column = (
        Representation.grantor_id if side is RepresentationSide.GRANTED else Representation.representative_id
    )
    stmt = select(Representation).where(column.in_(party_ids))
    if status is not None:
        stmt = stmt.where(status_condition(status, today))
    return await fetch_page(
        session, stmt, order_by=[Representation.created_at, Representation.id], params=params
    )


async def events(session: AsyncSession, representation_id: uuid.UUID) -> list[RepresentationEvent]:
    rows = await session.scalars(
        select(RepresentationEvent)
        .where(RepresentationEvent.representation_id == representation_id)
        .order_by(RepresentationEvent.id)
    )
    return list(rows)


async def has_active_grant(
    session: AsyncSession, grantor_id: uuid.UUID, representative_ids: Collection[uuid.UUID], today: date
) -> bool:
    """Whether ``grantor_id`` has a grant active ``today`` to any of ``representative_ids``."""
    found = await session.scalar(
        select(Representation.id)
        .where(
            Representation.grantor_id == grantor_id,
            Representation.representative_id.in_(set(representative_ids)),
            status_condition(RepresentationStatus.ACTIVE, today),
        )
        .limit(1)
    )
    return found is not None


async def active_of_grantors(
    session: AsyncSession, grantor_ids: Collection[uuid.UUID], today: date
) -> list[tuple[Representation, Party, Party]]:
    """The grants of ``grantor_ids`` active ``today``, with their grantor and representative."""
    if not grantor_ids:
        return []
    grantor = aliased(Party)
    representative = aliased(Party)
    rows = await session.execute(
        select(Representation, grantor, representative)
        .join(grantor, grantor.id == Representation.grantor_id)
        .join(representative, representative.id == Representation.representative_id)
        .where(
            Representation.grantor_id.in_(set(grantor_ids)),
            status_condition(RepresentationStatus.ACTIVE, today),
        )
        .order_by(Representation.created_at, Representation.id)
    )
    return [(row[0], row[1], row[2]) for row in rows.all()]

"""Queries on users' signature keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import Party
from identity.signature_keys.models import SignatureKey
from kit.pagination import PageParams, fetch_page


async def active_keys(session: AsyncSession, party_id: uuid.UUID) -> Sequence[SignatureKey]:
    """The party's active (confirmed, unrevoked) keys, oldest first."""
    rows = await session.scalars(
        select(SignatureKey)
        .where(SignatureKey.party_id == party_id, SignatureKey.status == "active")
        .order_by(SignatureKey.created_at, SignatureKey.id)
    )
    return rows.all()


async def key_of(
    session: AsyncSession, party_id: uuid.UUID, kid: str, *, for_update: bool = False
) -> SignatureKey | None:
    """The party's key ``kid`` (another party's key of the same kid is not found)."""
    query = select(SignatureKey).where(SignatureKey.party_id == party_id, SignatureKey.kid == kid)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def kid_held_by_another(session: AsyncSession, party_id: uuid.UUID, kid: str) -> bool:
    """Whether another party registered the same public key (in any status)."""
    found = await session.scalar(
        select(SignatureKey.id).where(SignatureKey.kid == kid, SignatureKey.party_id != party_id).limit(1)
    )
    return found is not None


async def live_key_count(session: AsyncSession, party_id: uuid.UUID) -> int:
    """How many pending or active keys the party has."""
    count = await session.scalar(
        select(func.count())
        .select_from(SignatureKey)
        .where(SignatureKey.party_id == party_id, SignatureKey.status != "revoked")
    )
    return int(count or 0)


async def keys_page(session: AsyncSession, party_id: uuid.UUID, params: PageParams) -> list[SignatureKey]:
    """The party's keys, whatever their status, oldest first."""
    return await fetch_page(
        session,
        select(SignatureKey).where(SignatureKey.party_id == party_id),
        order_by=[SignatureKey.created_at, SignatureKey.id],
        params=params,
    )


async def published_keys(session: AsyncSession, party_id: uuid.UUID, kind: str) -> Sequence[SignatureKey]:
    """The active keys of the active party ``party_id`` of ``kind`` (natural or legal)."""
    rows = await session.scalars(
        select(SignatureKey)
        .join(Party, Party.id == SignatureKey.party_id)
        .where(
            SignatureKey.party_id == party_id,
            SignatureKey.status == "active",
            Party.kind == kind,
            Party.status == "active",
        )
        .order_by(SignatureKey.created_at, SignatureKey.id)
    )
    return rows.all()

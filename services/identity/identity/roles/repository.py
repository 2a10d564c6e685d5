"""Roles: base roles on registration; merchant, trader and officer assigned by an admin client."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import Party
from identity.roles.models import RoleAssignment


async def live_role(session: AsyncSession, party_id: uuid.UUID, role: str) -> RoleAssignment | None:
    """The party's unrevoked assignment of ``role``, or None. (A merchant's card
    may still have expired: see ``identity.roles.service.merchant_card_valid``.)"""
    return await session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.party_id == party_id,
            RoleAssignment.role == role,
            RoleAssignment.revoked_at.is_(None),
        )
    )


async def live_roles(session: AsyncSession, party_id: uuid.UUID) -> list[RoleAssignment]:
    """Every unrevoked assignment of the party, oldest first."""
    rows = await session.scalars(
        select(RoleAssignment)
        .where(RoleAssignment.party_id == party_id, RoleAssignment.revoked_at.is_(None))
        .order_by(RoleAssignment.created_at, RoleAssignment.id)
    )
    return list(rows)


async def parties_by_identifier(
    session: AsyncSession, *, national_code: str | None = None, national_id: str | None = None
) -> list[Party]:
    """The parties with this national code (natural) or national ID (legal); none without either.

    A legal person is found only once verified against the companies registry
    (active): a national ID someone registered unverified names no party."""
    conditions = []
    if national_code is not None:
        conditions.append(Party.national_code == national_code)
    if national_id is not None:
        conditions.append(and_(Party.national_id == national_id, Party.status == "active"))
    if not conditions:
        return []
    return list(await session.scalars(select(Party).where(or_(*conditions)).order_by(Party.kind.desc())))

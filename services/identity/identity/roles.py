"""Roles: base roles on registration; merchant, trader and officer assigned by an admin client."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from identity.models import RoleAssignment


async def live_role(session: AsyncSession, party_id: uuid.UUID, role: str) -> RoleAssignment | None:
    """The party's unrevoked assignment of ``role``, or None. (A merchant's card
    may still have expired: see ``merchant_card_valid``.)"""
    raise NotImplementedError

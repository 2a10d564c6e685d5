"""Queries of password recovery."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from identity.recovery.models import PasswordRecovery

_LOCK_NAMESPACE = 0x726563  # "rec"


async def lock(session: AsyncSession, key: str) -> None:
    """Serialise recoveries counted under ``key`` until the transaction ends."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": _LOCK_NAMESPACE, "key": key}
    )


async def started_since(
    session: AsyncSession, since: datetime, *, national_code: str | None = None, requester: str | None = None
) -> tuple[int, datetime | None]:
    """How many recoveries of ``national_code`` (or from ``requester``) started after ``since``,
    and when the oldest of them did."""
    condition = (
        PasswordRecovery.national_code == national_code
        if national_code is not None
        else PasswordRecovery.requester == requester
    )
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(PasswordRecovery.created_at)).where(
                condition, PasswordRecovery.created_at > since
            )
        )
    ).one()
    return int(count), oldest


async def recovery_for_update(
    session: AsyncSession, recovery_id: uuid.UUID, *, fresh: bool = False
) -> PasswordRecovery | None:
    """The recovery, locked; ``fresh`` reloads it over what the session already holds."""
    return await session.get(PasswordRecovery, recovery_id, with_for_update=True, populate_existing=fresh)

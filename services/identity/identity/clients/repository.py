"""Every identity query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clients.models import MachineClient
from identity.models import SigningKey
from kit.pagination import PageParams, fetch_page

# Serialises key rotation across identity replicas (pg_advisory_xact_lock).
_KEY_ROTATION_LOCK = 0x70616E6A  # "panj"


async def lock_key_rotation(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _KEY_ROTATION_LOCK})


async def active_signing_key(session: AsyncSession) -> SigningKey | None:
    stmt = (
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def published_keys(session: AsyncSession, now: datetime) -> list[SigningKey]:
    stmt = (
        select(SigningKey)
        .where(or_(SigningKey.retired_at.is_(None), SigningKey.publish_until > now))
        .order_by(SigningKey.created_at.desc())
    )
    return list((await session.scalars(stmt)).all())


async def retire_signing_keys(session: AsyncSession, now: datetime, publish_until: datetime) -> None:
    await session.execute(
        update(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .values(retired_at=now, publish_until=publish_until)
    )


def add(session: AsyncSession, obj: object) -> None:
    session.add(obj)


async def client_by_client_id(session: AsyncSession, client_id: str) -> MachineClient | None:
    return await session.scalar(select(MachineClient).where(MachineClient.client_id == client_id))


async def list_clients(session: AsyncSession, params: PageParams) -> list[MachineClient]:
    return await fetch_page(
        session, select(MachineClient), order_by=[MachineClient.created_at, MachineClient.id], params=params
    )

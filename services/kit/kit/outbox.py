"""The transactional outbox: events written in the same transaction as the change.

A change that other services or client software must learn of is recorded here
by the code that makes it, so the event exists exactly when the change
committed. Each service has its own ``outbox_events`` table in its schema;
delivery reads undelivered rows in ``id`` order, and consumers dedupe by
``event_id``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    insert,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from kit.request_context import current_request_id


def outbox_table(metadata: MetaData) -> Table:
    """The outbox of one service, created in its schema by its migrations."""
    return Table(
        "outbox_events",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True, default=uuid.uuid4),
        Column("topic", String(100), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("request_id", String(128)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("delivered_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Index("ix_outbox_events_undelivered", "id", postgresql_where="delivered_at IS NULL"),
    )


async def publish(
    session: AsyncSession, table: Table, topic: str, subject: str, payload: dict[str, Any]
) -> uuid.UUID:
    """Record an event in the caller's transaction; returns its ``event_id``.

    ``topic`` names what happened (``representation.revoked``); ``subject`` is
    the object it happened to, so consumers can order and dedupe per object.
    """
    event_id = uuid.uuid4()
    await session.execute(
        insert(table).values(
            event_id=event_id,
            topic=topic,
            subject=subject,
            payload=payload,
            request_id=current_request_id(),
        )
    )
    return event_id

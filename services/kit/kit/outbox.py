"""The transactional outbox: events written in the same transaction as the change.

A change that other services or client software must learn of is recorded here
by the code that makes it, so the event exists exactly when the change
committed. Each service has its own ``outbox_events`` table in its schema; its
``id`` (a bigint sequence) is the service's event sequence, the order of its feed
(``kit.feed_api``), and consumers dedupe by ``event_id``. Rows are never updated
by the feed and kept at least 30 days.

Every writer takes a shared transaction-level advisory lock on its outbox
(``lock_key``) before inserting, so the feed's reader, taking the same lock
exclusively, knows no transaction holding a lower ``id`` is still in flight; and
sends ``NOTIFY`` on the outbox's channel, which PostgreSQL delivers at commit, so
a feed's long-poll answers at once (``kit.feed_signal``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from kit.feed_signal import channel
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
        # What the feed shows of the object: its kind, the party whose it is, its gateway path and
        # its access level (null for events written before these existed, or objects without one).
        Column("object_kind", String(40), nullable=False),
        Column("party", String(200)),
        Column("object_url", String(300)),
        Column("access_level", String(20)),
        # Who else reads it: the scope a representative's grant must cover (``kit.access_levels``),
        # and the office whose officers see it (``<kind>:<code>``, ``issuing-authority:mimt``).
        Column("scope", String(40)),
        Column("office", String(60)),
        Index("ix_outbox_events_undelivered", "id", postgresql_where="delivered_at IS NULL"),
    )


def lock_key(table: Table) -> ColumnElement[int]:
    """The advisory-lock key of one service's outbox: writers hold it shared, the feed exclusive."""
    return func.hashtext(f"{table.schema}.{table.name}")


async def publish(
    session: AsyncSession,
    table: Table,
    topic: str,
    subject: str,
    payload: dict[str, Any],
    *,
    kind: str | None = None,
    party: str | None = None,
    url: str | None = None,
    access_level: str | None = None,
    scope: str | None = None,
    office: str | None = None,
) -> uuid.UUID:
    """Record an event in the caller's transaction; returns its ``event_id``.

    ``topic`` names what happened (``representation.revoked``); ``subject`` is
    the object it happened to, so consumers can order and dedupe per object;
    ``kind`` is that object's kind (default: the topic's first word), ``party``
    whose it is, ``url`` its gateway path, ``access_level`` its level, ``scope`` what a
    representative's grant must cover to read it, ``office`` the office (``<kind>:<code>``)
    whose officers see it.
    """
    event_id = uuid.uuid4()
    await session.execute(
        select(func.pg_advisory_xact_lock_shared(lock_key(table)), func.pg_notify(channel(table), ""))
    )
    await session.execute(
        insert(table).values(
            event_id=event_id,
            topic=topic,
            subject=subject,
            payload=payload,
            request_id=current_request_id(),
            object_kind=kind or topic.split(".", 1)[0],
            party=party,
            object_url=url,
            access_level=access_level,
            scope=scope,
            office=office,
        )
    )
    return event_id

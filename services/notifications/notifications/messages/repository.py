"""Every query of messages and their attempts: the dispatcher's claims and outcomes, the box, the
delivery log, metrics and retention."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    Uuid,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kit.errors import InvalidCursor
from kit.pagination import PageParams, decode_cursor, fetch_page
from notifications.messages.models import Message, MessageAttempt
from notifications.subscriptions.models import Subscription

BIGINT_MAX = 2**63 - 1
# What a message may be once it is no longer waiting: kept until retention deletes it.
SETTLED = ("delivered", "acknowledged", "failed", "withheld")


# --- the dispatcher ---------------------------------------------------------------------------

# NOTIFY'd by a transaction that made messages due; the dispatcher LISTENs (delivered at commit).
CHANNEL = "notifications_messages_due"


async def notify_due(session: AsyncSession) -> None:
    """Wake every instance's dispatcher when this transaction commits (pg_notify is transactional;
    PostgreSQL folds identical notifications of one transaction into one)."""
    await session.execute(select(func.pg_notify(CHANNEL, "")))


async def due_subscriptions(session: AsyncSession, now: dt.datetime, limit: int) -> list[uuid.UUID]:
    """Subscriptions with a pending message whose time has come (a range scan of ix_messages_due:
    messages parked, leased or waiting for a retry are not in the range)."""
    stmt = (
        select(Message.subscription_id)
        .where(Message.status == "pending", Message.next_attempt_at <= now)
        .distinct()
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def subscription(session: AsyncSession, subscription_id: uuid.UUID) -> Subscription | None:
    return await session.get(Subscription, subscription_id, populate_existing=True)


async def park(session: AsyncSession, subscription_id: uuid.UUID) -> None:
    """Take the pending messages of a subscription that cannot be delivered to (no webhook, not
    active) out of the dispatcher's range; ``resume`` puts them back."""
    await session.execute(
        update(Message)
        .where(
            Message.subscription_id == subscription_id,
            Message.status == "pending",
            Message.next_attempt_at.is_not(None),
        )
        .values(next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


async def resume(session: AsyncSession, subscription_id: uuid.UUID, now: dt.datetime) -> None:
    """Make every pending message of a subscription due now (when it becomes active again)."""
    await session.execute(
        update(Message)
        .where(Message.subscription_id == subscription_id, Message.status == "pending")
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


async def defer(session: AsyncSession, subscription_id: uuid.UUID, until: dt.datetime) -> None:
    """The endpoint is down until ``until``: its pending messages due before then wait until then
    (one statement; while it is down only the newly due ones are touched)."""
    await session.execute(
        update(Message)
        .where(
            Message.subscription_id == subscription_id,
            Message.status == "pending",
            Message.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )


async def reschedule(session: AsyncSession, ids: Sequence[int], when: dt.datetime) -> None:
    """Try these pending messages next at ``when``."""
    if ids:
        await session.execute(
            update(Message)
            .where(Message.id.in_(ids), Message.status == "pending", Message.next_attempt_at.is_not(None))
            .values(next_attempt_at=when)
            .execution_options(synchronize_session=False)
        )


async def fail_expired(session: AsyncSession, subscription_id: uuid.UUID, made_before: dt.datetime) -> None:
    """Fail the pending messages made before ``made_before`` (their retry window is over)."""
    await session.execute(
        update(Message)
        .where(
            Message.subscription_id == subscription_id,
            Message.status == "pending",
            Message.next_attempt_at.is_not(None),
            Message.created_at < made_before,
        )
        .values(status="failed", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


def _claim_statement() -> Any:
    """The claim, built once (the dispatcher runs it for every batch): its values are parameters."""
    older = aliased(Message)
    subscription_id = bindparam("b_subscription", type_=Uuid)
    blocked = exists().where(
        older.subscription_id == Message.subscription_id,
        older.object_key == Message.object_key,
        older.status == "pending",
        older.id < Message.id,
    )
    due = (
        select(Message.id)
        .where(
            Message.subscription_id == subscription_id,
            Message.status == "pending",
            Message.next_attempt_at <= bindparam("b_now", type_=DateTime(timezone=True)),
            ~blocked,
            exists().where(
                Subscription.id == subscription_id,
                Subscription.state == "active",
                Subscription.webhook_url.is_not(None),
            ),
        )
        .order_by(Message.id)
        .limit(bindparam("b_limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    return (
        update(Message)
        .where(Message.id == due.c.id)
        .values(next_attempt_at=bindparam("b_lease_until", type_=DateTime(timezone=True)))
        .returning(Message)
        .execution_options(synchronize_session=False)
    )


_CLAIM = _claim_statement()


async def claim(
    session: AsyncSession, subscription_id: uuid.UUID, now: dt.datetime, lease_until: dt.datetime, limit: int
) -> list[Message]:
    """Lease up to ``limit`` due messages of a subscription, oldest first, each the oldest pending
    message of its object (a later one waits for it, retries included). Rows another instance
    holds are skipped, and a leased row is out of the due range until its lease runs out, so no
    two instances send a message at once."""
    params = {"b_subscription": subscription_id, "b_now": now, "b_lease_until": lease_until, "b_limit": limit}
    rows = list((await session.scalars(_CLAIM, params)).all())
    return sorted(rows, key=lambda row: row.id)


async def withhold(session: AsyncSession, ids: Sequence[int]) -> None:
    """Mark still-pending messages withheld: never sent."""
    if ids:
        await session.execute(
            update(Message)
            .where(Message.id.in_(ids), Message.status == "pending")
            .values(status="withheld", next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )


async def add_attempts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Log many attempts in one statement."""
    if rows:
        await session.execute(insert(MessageAttempt.__table__), list(rows))


async def add_attempt(
    session: AsyncSession,
    *,
    message_id: int,
    subscription_id: uuid.UUID,
    attempted_at: dt.datetime,
    status_code: int | None,
    latency_ms: int,
    error: str | None,
    replay: bool,
) -> MessageAttempt:
    attempt = MessageAttempt(
        message_id=message_id,
        subscription_id=subscription_id,
        attempted_at=attempted_at,
        status_code=status_code,
        latency_ms=latency_ms,
        error=error[:500] if error else None,
        replay=replay,
    )
    session.add(attempt)
    return attempt


async def delivered(session: AsyncSession, ids: Sequence[int], now: dt.datetime) -> None:
    """The webhook took them (an acknowledgement that came first stays)."""
    await session.execute(
        update(Message)
        .where(Message.id.in_(ids))
        .values(
            attempts=Message.attempts + 1,
            status=func.coalesce(func.nullif(Message.status, "pending"), "delivered"),
            delivered_at=now,
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    )


async def retry_at(session: AsyncSession, message_id: int, when: dt.datetime | None, failed: bool) -> None:
    """Count the attempt; wait until ``when`` for the next, or fail the message."""
    values: dict[str, Any] = {"attempts": Message.attempts + 1, "next_attempt_at": None if failed else when}
    if failed:
        values["status"] = func.coalesce(func.nullif(Message.status, "pending"), "failed")
    await session.execute(update(Message).where(Message.id == message_id).values(**values))


async def disable(session: AsyncSession, subscription_id: uuid.UUID, reason: str, now: dt.datetime) -> None:
    await session.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id, Subscription.state == "active")
        .values(state="disabled", disabled_reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def hold(session: AsyncSession, message: Message, until: dt.datetime) -> None:
    """Keep the later pending messages of ``message``'s object out of the due range until it is
    tried again (they could not go before it anyway)."""
    await session.execute(
        update(Message)
        .where(
            Message.subscription_id == message.subscription_id,
            Message.object_key == message.object_key,
            Message.status == "pending",
            Message.id > message.id,
            Message.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )


async def release(
    session: AsyncSession, subscription_id: uuid.UUID, settled: Sequence[Message], now: dt.datetime
) -> None:
    """These messages have settled: the later pending messages of their objects, held back
    behind them, may go now (earlier ones, perhaps leased and in flight, are left alone)."""
    after: dict[str, int] = {}
    for message in settled:
        after[message.object_key] = min(message.id, after.get(message.object_key, message.id))
    if not after:
        return
    await session.execute(
        update(Message)
        .where(
            Message.subscription_id == subscription_id,
            or_(*(and_(Message.object_key == key, Message.id > id_) for key, id_ in sorted(after.items()))),
            Message.status == "pending",
            Message.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


# --- the box ----------------------------------------------------------------------------------


async def box_page(
    session: AsyncSession, subscription_id: uuid.UUID, status: str | None, params: PageParams
) -> list[Message]:
    stmt = select(Message).where(Message.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(Message.status == status)
    return await fetch_page(session, stmt, order_by=[Message.id], params=params)


async def message(session: AsyncSession, subscription_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
    return await session.scalar(
        select(Message).where(Message.subscription_id == subscription_id, Message.message_id == message_id)
    )


async def acknowledge(
    session: AsyncSession, subscription_id: uuid.UUID, message_ids: Sequence[uuid.UUID], now: dt.datetime
) -> list[uuid.UUID]:
    """Acknowledge the box's messages among ``message_ids`` (already acknowledged ones stay as they
    were); answers the IDs the box holds and that are now acknowledged."""
    ids = list(message_ids)
    await session.execute(
        update(Message)
        .where(
            Message.subscription_id == subscription_id,
            Message.message_id.in_(ids),
            Message.status.in_(("pending", "delivered", "failed")),
        )
        .values(status="acknowledged", acknowledged_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    found = await session.scalars(
        select(Message.message_id).where(
            Message.subscription_id == subscription_id,
            Message.message_id.in_(ids),
            Message.status == "acknowledged",
        )
    )
    return list(found.all())


async def in_range(
    session: AsyncSession, subscription_id: uuid.UUID, since: dt.datetime, until: dt.datetime, limit: int
) -> list[Message]:
    """Messages made in ``[since, until)``, oldest first, up to ``limit`` (withheld ones excluded)."""
    stmt = (
        select(Message)
        .where(
            Message.subscription_id == subscription_id,
            Message.created_at >= since,
            Message.created_at < until,
            Message.status != "withheld",
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def messages_by_id(session: AsyncSession, ids: Sequence[int]) -> list[Message]:
    rows = await session.scalars(select(Message).where(Message.id.in_(ids)).order_by(Message.id))
    return list(rows.all())


async def add_message(session: AsyncSession, message: Message) -> Message:
    session.add(message)
    await session.flush()
    return message


# --- the delivery log, metrics, retention -----------------------------------------------------


@dataclass(frozen=True)
class AttemptRow:
    attempt: MessageAttempt
    message_id: uuid.UUID


async def attempts_page(
    session: AsyncSession, subscription_id: uuid.UUID, message_id: uuid.UUID | None, params: PageParams
) -> list[AttemptRow]:
    """The delivery log, newest first (keyset on the attempt's id, descending)."""
    stmt = (
        select(MessageAttempt, Message.message_id)
        .join(Message, Message.id == MessageAttempt.message_id)
        .where(MessageAttempt.subscription_id == subscription_id)
    )
    if message_id is not None:
        stmt = stmt.where(Message.message_id == message_id)
    if params.cursor:
        (last,) = decode_cursor(params.cursor, 1)
        if not last.isdigit() or int(last) > BIGINT_MAX:
            raise InvalidCursor("The cursor is not one this API issued.")
        stmt = stmt.where(MessageAttempt.id < int(last))
    stmt = stmt.order_by(MessageAttempt.id.desc()).limit(params.limit + 1)
    return [AttemptRow(attempt, uid) for attempt, uid in (await session.execute(stmt)).all()]


@dataclass(frozen=True)
class Metrics:
    attempts: int
    successes: int
    p50: float | None
    p99: float | None
    pending: int
    oldest_pending: dt.datetime | None


async def metrics(session: AsyncSession, subscription_id: uuid.UUID, since: dt.datetime) -> Metrics:
    success = and_(MessageAttempt.status_code >= 200, MessageAttempt.status_code < 300)
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(success),
                func.percentile_cont(0.5).within_group(MessageAttempt.latency_ms),
                func.percentile_cont(0.99).within_group(MessageAttempt.latency_ms),
            ).where(MessageAttempt.subscription_id == subscription_id, MessageAttempt.attempted_at >= since)
        )
    ).one()
    pending = (
        await session.execute(
            select(func.count(), func.min(Message.created_at)).where(
                Message.subscription_id == subscription_id, Message.status == "pending"
            )
        )
    ).one()
    return Metrics(
        attempts=row[0],
        successes=row[1],
        p50=float(row[2]) if row[2] is not None else None,
        p99=float(row[3]) if row[3] is not None else None,
        pending=pending[0],
        oldest_pending=pending[1],
    )


async def purge(session: AsyncSession, before: dt.datetime) -> tuple[int, int]:
    """Delete attempts made before ``before`` and settled messages made before it; answers how
    many of each."""
    attempts = await session.execute(delete(MessageAttempt).where(MessageAttempt.attempted_at < before))
    messages = await session.execute(
        delete(Message).where(Message.created_at < before, Message.status.in_(SETTLED))
    )
    return attempts.rowcount or 0, messages.rowcount or 0  # type: ignore[attr-defined]

"""Every query of subscriptions and their signing secrets."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import String, delete, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageParams, fetch_page
from notifications.events.models import ReceivedEvent
from notifications.messages.models import Message
from notifications.subscriptions.models import Subscription, SubscriptionSecret


def add(session: AsyncSession, obj: object) -> None:
    session.add(obj)


async def subscription(
    session: AsyncSession, subscription_id: uuid.UUID, *, lock: bool = False
) -> Subscription | None:
    stmt = select(Subscription).where(Subscription.id == subscription_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def subscriptions_of(session: AsyncSession, owner: str, params: PageParams) -> list[Subscription]:
    """``owner``'s subscriptions, oldest first, from the cursor on (one more than the page)."""
    stmt = select(Subscription).where(Subscription.owner == owner)
    return await fetch_page(session, stmt, order_by=[Subscription.created_at, Subscription.id], params=params)


async def remove(session: AsyncSession, subscription_id: uuid.UUID) -> None:
    await session.execute(delete(Subscription).where(Subscription.id == subscription_id))


async def signing_secrets(session: AsyncSession, subscription_id: uuid.UUID, now: dt.datetime) -> list[str]:
    """The secrets that sign the subscription's deliveries at ``now``: the current one first,
    then those a rotation is retiring, until their ``retires_at``."""
    rows = await session.scalars(
        select(SubscriptionSecret.secret)
        .where(
            SubscriptionSecret.subscription_id == subscription_id,
            or_(SubscriptionSecret.retires_at.is_(None), SubscriptionSecret.retires_at > now),
        )
        .order_by(SubscriptionSecret.created_at.desc(), SubscriptionSecret.id)
    )
    return list(rows)


async def retire_current_secrets(session: AsyncSession, subscription_id: uuid.UUID, at: dt.datetime) -> None:
    """Every secret still current stops signing at ``at`` (those already retiring keep their time)."""
    await session.execute(
        update(SubscriptionSecret)
        .where(SubscriptionSecret.subscription_id == subscription_id, SubscriptionSecret.retires_at.is_(None))
        .values(retires_at=at)
    )


async def matching(
    session: AsyncSession, patterns: list[str], owners: Collection[str], offices: Collection[str]
) -> list[Subscription]:
    """Subscriptions holding one of ``patterns`` (the patterns that name the event types at hand)
    whose owner is one of ``owners`` or whose office is one of ``offices``."""
    audience = Subscription.owner.in_(set(owners)) if owners else None
    if offices:
        by_office = Subscription.office.in_(set(offices))
        audience = by_office if audience is None else or_(audience, by_office)
    if audience is None:
        return []
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.event_types.op("&&")(literal(patterns, ARRAY(String(100)))), audience)
        .order_by(Subscription.id)
    )
    return list(rows)


async def message_facts(
    session: AsyncSession, message_ids: Collection[int]
) -> dict[int, tuple[str, str | None, str | None]]:
    """For each message: its subscription's owner and its event's scope and access level."""
    if not message_ids:
        return {}
    rows = await session.execute(
        select(Message.id, Subscription.owner, ReceivedEvent.scope, ReceivedEvent.access_level)
        .join(Subscription, Subscription.id == Message.subscription_id)
        .join(ReceivedEvent, ReceivedEvent.event_id == Message.event_id)
        .where(Message.id.in_(set(message_ids)))
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows.all()}

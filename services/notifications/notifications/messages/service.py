"""The box and the delivery operations: who may see a subscription's messages, listing (withholding
what its owner may no longer read), acknowledging, the attempt log, replays, a test event,
metrics, and retention. Flushes, never commits."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notifications_client.messages import MessageBody, SubscriptionMetrics
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Principal
from kit.clock import now_utc
from kit.pagination import PageParams
from notifications.config import Settings
from notifications.messages import repository
from notifications.messages.dispatcher import Dispatcher, visible_only
from notifications.messages.exceptions import (
    InvalidRange,
    MessageNotFound,
    MessageWithheld,
    WebhookNotActive,
)
from notifications.messages.models import Message, MessageAttempt
from notifications.subscriptions.exceptions import SubscriptionNotFound
from notifications.subscriptions.models import Subscription
from notifications.subscriptions.service import owner_of
from panjereh_contract.events import EventObject

if TYPE_CHECKING:
    from notifications.state import NotificationsState

logger = logging.getLogger("notifications.messages")
TEST_EVENT_TYPE = "notifications.test.sent"
METRICS_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Context:
    session: AsyncSession
    principal: Principal
    state: NotificationsState

    @property
    def settings(self) -> Settings:
        settings = self.state.runtime.settings
        assert isinstance(settings, Settings)
        return settings

    @property
    def dispatcher(self) -> Dispatcher:
        return self.state.dispatcher


async def owned(ctx: Context, subscription_id: uuid.UUID) -> Subscription:
    """The subscription, when the caller is its owner in its own name; anyone else gets a 404."""
    owner = owner_of(ctx.principal)  # 403 for a token acting for someone, as the subscription's routes
    sub = await repository.subscription(ctx.session, subscription_id)
    if sub is None or sub.owner != owner:
        raise SubscriptionNotFound()
    return sub


# --- the box ----------------------------------------------------------------------------------


async def box(
    ctx: Context, subscription_id: uuid.UUID, status: str | None, params: PageParams
) -> list[Message]:
    """A page of the box, oldest first (``limit + 1`` rows, for page_of). Pending
    representation-basis messages on it are checked again: those the owner may no longer read
    become ``withheld`` (the api leaves them out of a ``pending`` list)."""
    await owned(ctx, subscription_id)
    rows = await repository.box_page(ctx.session, subscription_id, status, params)
    candidates = [m for m in rows if m.status == "pending" and m.basis == "representation"]
    if candidates:
        _, withheld = await visible_only(ctx.dispatcher.delivery, ctx.state, candidates)
        if withheld:
            now = now_utc()
            await repository.withhold(ctx.session, [m.id for m in withheld])
            await repository.release(ctx.session, subscription_id, withheld, now)
            for message in withheld:
                message.status = "withheld"
                message.next_attempt_at = None
    return rows


async def acknowledge(ctx: Context, subscription_id: uuid.UUID, message_id: uuid.UUID) -> Message:
    """Acknowledge one message (again is fine)."""
    await owned(ctx, subscription_id)
    message = await repository.message(ctx.session, subscription_id, message_id)
    if message is None:
        raise MessageNotFound()
    await repository.acknowledge(ctx.session, subscription_id, [message_id], now_utc())
    await repository.release(ctx.session, subscription_id, [message], now_utc())
    await ctx.session.refresh(message)
    return message


async def acknowledge_many(
    ctx: Context, subscription_id: uuid.UUID, message_ids: Sequence[uuid.UUID]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Acknowledge the box's messages among ``message_ids``: (acknowledged, not in this box or
    not acknowledgeable, i.e. withheld)."""
    await owned(ctx, subscription_id)
    wanted = list(dict.fromkeys(message_ids))
    done = await repository.acknowledge(ctx.session, subscription_id, wanted, now_utc())
    acknowledged = set(done)
    return [i for i in wanted if i in acknowledged], [i for i in wanted if i not in acknowledged]


# --- operations -------------------------------------------------------------------------------


async def attempts(
    ctx: Context, subscription_id: uuid.UUID, message_id: uuid.UUID | None, params: PageParams
) -> list[repository.AttemptRow]:
    await owned(ctx, subscription_id)
    return await repository.attempts_page(ctx.session, subscription_id, message_id, params)


def _sendable(sub: Subscription) -> str:
    if not sub.webhook_url or sub.state == "pending-verification":
        raise WebhookNotActive()
    return sub.webhook_url


async def replay(
    ctx: Context, subscription_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[MessageAttempt, Message]:
    """Send one message again now; its attempt is recorded as a replay."""
    sub = await owned(ctx, subscription_id)
    message = await repository.message(ctx.session, subscription_id, message_id)
    if message is None:
        raise MessageNotFound()
    _sendable(sub)
    if message.status == "withheld":
        raise MessageWithheld()
    recorded = await ctx.dispatcher.replay(ctx.session, sub, [message])
    if not recorded:  # the owner may no longer read it (the refusal rolls the marking back;
        raise MessageWithheld()  # the dispatcher or the box withholds it for good)
    await ctx.session.flush()
    return recorded[0], message


async def replay_range(
    ctx: Context, subscription_id: uuid.UUID, since: dt.datetime, until: dt.datetime
) -> tuple[int, bool]:
    """Replay every message made in ``[since, until)`` (oldest first, at most
    ``replay_max_messages``) in the background; answers (how many, whether the range held more)."""
    sub = await owned(ctx, subscription_id)
    _sendable(sub)
    if until <= since:
        raise InvalidRange()
    dispatcher = ctx.dispatcher
    limit = ctx.settings.replay_max_messages
    rows = await repository.in_range(ctx.session, subscription_id, since, until, limit + 1)
    chosen = rows[:limit]
    dispatcher.replay_later(subscription_id, [m.id for m in chosen])
    return len(chosen), len(rows) > limit


async def send_test(ctx: Context, subscription_id: uuid.UUID, text: str) -> Message:
    """A ``notifications.test.sent`` message for the subscription, delivered like any other."""
    sub = await owned(ctx, subscription_id)
    now = now_utc()
    event_id = uuid.uuid4()
    body = MessageBody(
        type=TEST_EVENT_TYPE,
        timestamp=now,
        event_id=event_id,
        subject=sub.owner,
        object=EventObject(
            kind="subscription", id=str(sub.id), url=f"/notifications/v1/subscriptions/{sub.id}"
        ),
        data={"message": text},
    )
    deliverable = sub.state == "active" and bool(sub.webhook_url)
    message = Message(
        subscription_id=sub.id,
        event_id=event_id,
        type=TEST_EVENT_TYPE,
        object_key=f"subscription:{sub.id}",
        basis="own",
        principal=None,
        body=body.model_dump(mode="json"),
        occurred_at=now,
        status="pending",
        attempts=0,
        next_attempt_at=now if deliverable else None,
        created_at=now,
    )
    await repository.add_message(ctx.session, message)
    await repository.notify_due(ctx.session)
    return message


async def metrics(ctx: Context, subscription_id: uuid.UUID) -> SubscriptionMetrics:
    await owned(ctx, subscription_id)
    now = now_utc()
    found = await repository.metrics(ctx.session, subscription_id, now - METRICS_WINDOW)
    return SubscriptionMetrics(
        attempts=found.attempts,
        successes=found.successes,
        failures=found.attempts - found.successes,
        success_rate=found.successes / found.attempts if found.attempts else None,
        latency_p50_ms=found.p50,
        latency_p99_ms=found.p99,
        pending=found.pending,
        oldest_pending_age_seconds=(
            max(0.0, (now - found.oldest_pending).total_seconds()) if found.oldest_pending else None
        ),
    )


# --- retention --------------------------------------------------------------------------------


async def purge(
    session: AsyncSession, retention_days: int, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Delete attempts and settled messages older than ``retention_days``: (attempts, messages)."""
    before = (now or now_utc()) - dt.timedelta(days=retention_days)
    return await repository.purge(session, before)


async def purge_old(state: NotificationsState) -> None:
    """The periodic task (ServiceSpec.periodic): the delivery log's and boxes' retention."""
    settings = state.runtime.settings
    assert isinstance(settings, Settings)
    async with state.runtime.sessionmaker() as session, session.begin():
        attempts_, messages_ = await purge(session, settings.retention_days)
    if attempts_ or messages_:
        logger.info("retention: deleted %d attempts and %d messages", attempts_, messages_)

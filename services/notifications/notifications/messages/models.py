"""``messages`` (the box and delivery state) and ``message_attempts`` (the delivery log)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from notifications.db import Base

# pending: not yet delivered nor acknowledged; delivered: the webhook answered 2xx;
# acknowledged: the subscriber acknowledged it from its box; failed: retries ran out (3 days);
# withheld: the subscriber may no longer read the object (e.g. its representation was revoked).
MESSAGE_STATUSES = ("pending", "delivered", "acknowledged", "failed", "withheld")
# Why the subscriber may read the object: its own, an office's, or a principal's it represents.
BASES = ("own", "office", "representation")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_messages_subscription_event"),
        CheckConstraint(
            "status IN ('pending', 'delivered', 'acknowledged', 'failed', 'withheld')", name="status"
        ),
        CheckConstraint("basis IN ('own', 'office', 'representation')", name="basis"),
        # The box: a subscription's messages by status, oldest first.
        Index("ix_messages_box", "subscription_id", "status", "id"),
        # The dispatcher: what is due, per subscription.
        Index("ix_messages_due", "next_attempt_at", postgresql_where="status = 'pending'"),
        # Order per object: the oldest pending message of an object goes first.
        Index("ix_messages_object", "subscription_id", "object_key", "id"),
        Index("ix_messages_created_at", "created_at"),
    )

    # The order messages were made in: a box lists by it, an object's messages go out by it.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # The ``webhook-id``: the same for every attempt and replay of this message.
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    type: Mapped[str] = mapped_column(String(100))
    # ``<kind>:<id>`` of the object: messages of one object reach a subscriber in order.
    object_key: Mapped[str] = mapped_column(String(250))
    basis: Mapped[str] = mapped_column(String(20))
    # For ``representation``: the principal (the object's party) whose grant lets the owner read it.
    principal: Mapped[str | None] = mapped_column(String(200))
    # What is delivered: the event as the webhook body carries it.
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the dispatcher may next try it: due at once by default (a message of a subscription that
    # cannot deliver is parked, set to null, by the dispatcher; messages.repository.resume makes
    # them due again); while it is being sent, the claim's lease; after a failure, the retry.
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=func.now())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MessageAttempt(Base):
    """One attempt to deliver a message to its webhook: what came back and how long it took."""

    __tablename__ = "message_attempts"
    __table_args__ = (
        Index("ix_message_attempts_message", "message_id", "id"),
        Index("ix_message_attempts_subscription", "subscription_id", "id"),
        Index("ix_message_attempts_attempted_at", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    attempted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The HTTP status, or null when no answer came (refused, timed out, address not allowed).
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    # A replay an operator asked for: never counted toward disabling the endpoint.
    replay: Mapped[bool] = mapped_column(Boolean, default=False)

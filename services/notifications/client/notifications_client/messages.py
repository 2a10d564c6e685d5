"""What a subscriber receives: the body of each webhook delivery and of each message in its box."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from panjereh_contract.access_levels import AccessLevel
from panjereh_contract.events import EventObject


class MessageBody(BaseModel):
    """One event as a subscriber receives it (the Standard Webhooks payload shape: `type`,
    `timestamp`, `data`, with the event's identity and object beside them). The delivery's
    `webhook-id` header is the message's ID; `event_id` is the event's, the same for every
    subscriber."""

    type: str = Field(examples=["orders.order-file.approved"])
    timestamp: datetime = Field(description="When the event occurred.")
    event_id: uuid.UUID
    subject: str | None = Field(description="The party whose object it is.")
    object: EventObject
    access_level: AccessLevel | None = None
    data: dict[str, Any] = Field(description="The event's thin payload (its type's schema).")


MessageStatus = Literal["pending", "delivered", "acknowledged", "failed", "withheld"]


class BoxMessage(BaseModel):
    """One message of a subscription's box, with its delivery state."""

    id: uuid.UUID = Field(description="The message's ID: the `webhook-id` of its deliveries.")
    type: str = Field(examples=["orders.order-file.approved"])
    status: MessageStatus
    attempts: int = Field(description="Delivery attempts so far (replays not counted).")
    created_at: datetime
    delivered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    body: MessageBody


class BoxMessagePage(BaseModel):
    """A box's messages, oldest first."""

    items: list[BoxMessage]
    next: str | None = Field(default=None, description="The URL of the next page, if any.")


class AcknowledgementsIn(BaseModel):
    """Messages to acknowledge at once."""

    message_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class AcknowledgementsOut(BaseModel):
    """What became (or already was) acknowledged, and the IDs this box does not hold."""

    acknowledged: list[uuid.UUID]
    unknown: list[uuid.UUID]


class Attempt(BaseModel):
    """One attempt to deliver a message to the subscription's webhook."""

    id: int
    message_id: uuid.UUID
    attempted_at: datetime
    status_code: int | None = Field(description="The HTTP status, or null when no answer came.")
    latency_ms: int
    error: str | None = None
    replay: bool = Field(description="An operator's replay: never counted toward retries or disabling.")


class AttemptPage(BaseModel):
    """A subscription's delivery log, newest first."""

    items: list[Attempt]
    next: str | None = Field(default=None, description="The URL of the next page, if any.")


class ReplayRangeIn(BaseModel):
    """Replay every message made in ``[since, until)``."""

    since: datetime
    until: datetime


class ReplayRangeOut(BaseModel):
    """How many messages are being sent again (the oldest first, at most the service's limit)."""

    replaying: int
    truncated: bool = Field(description="True when the range held more messages than one replay sends.")


class TestEventIn(BaseModel):
    """A test event's text."""

    message: str = Field(default="A test event from Panjereh notifications.", max_length=500)


class SubscriptionMetrics(BaseModel):
    """A subscription's deliveries over the last 24 hours."""

    attempts: int
    successes: int
    failures: int
    success_rate: float | None = Field(description="Successes over attempts; null without attempts.")
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    pending: int = Field(description="Messages pending now.")
    oldest_pending_age_seconds: float | None = None

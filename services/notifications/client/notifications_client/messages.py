"""What a subscriber receives: the body of each webhook delivery and of each message in its box."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

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

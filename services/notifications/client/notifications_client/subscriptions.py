"""Subscriptions as the API takes and answers them: which event types, an optional webhook URL
(verified by a challenge before deliveries start), and the signing secret, shown once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SubscriptionState = Literal["pending-verification", "active", "disabled"]
# An exact type (`orders.order-file.approved`), a kind's (`orders.order-file.*`), a service's
# (`orders.*`) or every type (`*`).
# What a schema can say of a webhook URL; the rest (https outside the sandbox, public addresses
# only) is checked by notifications.
WEBHOOK_URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"
EVENT_TYPE_PATTERN_EXAMPLES = ["orders.order-file.approved", "orders.*", "*"]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_types: list[str] = Field(
        min_length=1,
        max_length=50,
        description="Patterns of the event types to receive: an exact type, `<service>.<kind>.*`, "
        "`<service>.*` or `*`.",
        examples=[EVENT_TYPE_PATTERN_EXAMPLES],
    )
    webhook_url: str | None = Field(
        default=None,
        max_length=2000,
        pattern=WEBHOOK_URL_PATTERN,
        description="Where to POST signed deliveries (`https` outside the sandbox, public addresses "
        "only). It must answer a challenge before deliveries start. Without it, messages wait in the box.",
    )
    description: str | None = Field(default=None, max_length=200)


class SubscriptionUpdate(BaseModel):
    """The fields to change; absent ones stay. A new `webhook_url` is challenged again;
    `state` re-enables (`active`) or pauses (`disabled`) the subscription."""

    model_config = ConfigDict(extra="forbid")

    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    webhook_url: str | None = Field(default=None, max_length=2000, pattern=WEBHOOK_URL_PATTERN)
    description: str | None = Field(default=None, max_length=200)
    state: Literal["active", "disabled"] | None = None


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    owner: str = Field(description="Whose it is: the subject of the token that made it.")
    office: str | None = Field(default=None, description="The officer's office, `<kind>:<code>`, if any.")
    description: str | None = None
    event_types: list[str]
    webhook_url: str | None = None
    state: SubscriptionState
    disabled_reason: str | None = None
    verified_at: dt.datetime | None = None
    verification_error: str | None = Field(
        default=None,
        description="Why the webhook URL did not answer its challenge, when it was just sent and failed.",
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(
        description="The `whsec_` signing secret: shown in this answer only. Verify every delivery with it."
    )


class SecretRotated(BaseModel):
    secret: str = Field(description="The new `whsec_` signing secret, shown in this answer only.")
    previous_retires_at: dt.datetime | None = Field(
        description="Until then the previous secret signs every delivery beside the new one."
    )


class SubscriptionPage(BaseModel):
    items: list[SubscriptionOut]
    next: str | None = None

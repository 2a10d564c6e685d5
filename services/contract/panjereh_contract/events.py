"""The answers of ``GET /v1/events`` (every service's feed): pydantic only, so that followers
and client packages can read a feed without the server."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from panjereh_contract.access_levels import AccessLevel


class EventObject(BaseModel):
    """The object the event happened to."""

    kind: str = Field(examples=["order-file"])
    id: str
    url: str | None = Field(default=None, description="Its path through the gateway, when it has one.")


class FeedEvent(BaseModel):
    """One event, immutable: the same `id` always carries the same content."""

    id: uuid.UUID = Field(description="Stable: deduplicate by it.")
    type: str = Field(
        description="`<service>.<kind>.<what happened>`.", examples=["orders.order-file.approved"]
    )
    subject: str | None = Field(
        description="The party whose object it is (`user:…`, `legal:…`), when it has one."
    )
    object: EventObject
    access_level: AccessLevel | None = Field(description="The object's access level, where it has one.")
    scope: str | None = Field(
        default=None,
        description="What a representative's grant must cover to read the object (`foreign-trade`, …); "
        "null when only the party (and the office) may.",
    )
    office: str | None = Field(
        default=None,
        description="The office whose officers see the object, `<kind>:<code>` (`issuing-authority:mimt`).",
    )
    occurred_at: datetime
    data: dict[str, Any] = Field(
        description="A thin payload: identifiers and states, never the whole object."
    )


class EventPage(BaseModel):
    """Events oldest first by the service's sequence."""

    items: list[FeedEvent]
    next: str | None = Field(
        description="Pass as `after` to read on; null when this page is empty (ask again with the same `after`)."
    )

"""The events notifications has received from every service's feed, as its admins see them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from panjereh_contract.events import FeedEvent


class ReceivedEvent(FeedEvent):
    """An event of a feed as notifications received it."""

    service: str = Field(description="The service whose feed it came from.", examples=["orders"])
    received_at: datetime


class ReceivedEventPage(BaseModel):
    """Received events oldest first (in the order they arrived)."""

    items: list[ReceivedEvent]
    next: str | None = Field(default=None, description="The URL of the next page, if any.")

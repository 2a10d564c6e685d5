"""What notifications does with an event of a feed: keep it (subscriptions will fan it out)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kit.feeds import Handler
from notifications.events import repository
from panjereh_contract.events import FeedEvent


def receiver(service: str) -> Handler:
    """The ``kit.feeds.FeedFollower`` handler of ``service``'s feed. It runs in the follower's
    transaction with the event's ``seen_events`` row, so each event is stored once."""

    async def receive(session: AsyncSession, event: FeedEvent) -> None:
        await repository.add(session, service, event)

    return receive

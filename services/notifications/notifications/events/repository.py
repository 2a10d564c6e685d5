"""Every query of received events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageParams, fetch_page
from notifications.events.models import ReceivedEvent
from panjereh_contract.events import FeedEvent


async def add(session: AsyncSession, service: str, events: list[FeedEvent]) -> None:
    """Store ``events`` of ``service``'s feed in one statement; an ID already stored is left as it is."""
    # Parameters apart from the statement: compiled once, sent as one multi-row insert.
    await session.execute(
        insert(ReceivedEvent.__table__).on_conflict_do_nothing(index_elements=["event_id"]),
        [
            {
                "event_id": event.id,
                "service": service,
                "type": event.type,
                "subject": event.subject,
                "object_kind": event.object.kind,
                "object_id": event.object.id,
                "object_url": event.object.url,
                "access_level": event.access_level,
                "scope": event.scope,
                "office": event.office,
                "occurred_at": event.occurred_at,
                "data": event.data,
            }
            for event in events
        ],
    )


async def page(
    session: AsyncSession, params: PageParams, *, service: str | None, type_: str | None
) -> list[ReceivedEvent]:
    stmt = select(ReceivedEvent)
    if service is not None:
        stmt = stmt.where(ReceivedEvent.service == service)
    if type_ is not None:
        stmt = stmt.where(ReceivedEvent.type == type_)
    return await fetch_page(session, stmt, order_by=[ReceivedEvent.id], params=params)

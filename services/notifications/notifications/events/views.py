"""Received events as the API shows them."""

from __future__ import annotations

from notifications_client.events import ReceivedEvent as ReceivedEventOut

from notifications.events.models import ReceivedEvent
from panjereh_contract.events import EventObject


def received_event(row: ReceivedEvent) -> ReceivedEventOut:
    return ReceivedEventOut(
        id=row.event_id,
        service=row.service,
        type=row.type,
        subject=row.subject,
        object=EventObject(kind=row.object_kind, id=row.object_id, url=row.object_url),
        access_level=row.access_level,  # type: ignore[arg-type]  # stored from a validated event
        scope=row.scope,
        office=row.office,
        occurred_at=row.occurred_at,
        data=row.data,
        received_at=row.received_at,
    )

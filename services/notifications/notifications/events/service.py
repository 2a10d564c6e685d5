"""What notifications does with an event of a feed: keep it, and make a message of it for each
subscription that names its type and whose owner may read its object (``notifications.visibility``)."""

from __future__ import annotations

from notifications_client.messages import MessageBody
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit.clock import now_utc
from kit.feeds import Handler
from notifications.events import repository
from notifications.messages import repository as messages_repository
from notifications.messages.models import Message
from notifications.subscriptions import repository as subscriptions
from notifications.visibility import PageGrants, basis_of, candidate_owners
from panjereh_contract.events import FeedEvent


def patterns_naming(type_: str) -> list[str]:
    """Every pattern that names ``type_`` (``orders.order-file.approved``): itself, its kind's,
    its service's and ``*``: the catalogue's ``matches`` read the other way
    (``panjereh_contract.event_types``)."""
    parts = type_.split(".")
    return [type_, *(".".join(parts[:n]) + ".*" for n in range(len(parts) - 1, 0, -1)), "*"]


def receiver(service: str, grants: PageGrants | None = None) -> Handler:
    """The ``kit.feeds.FeedFollower`` handler of ``service``'s feed. It runs in the follower's
    transaction with the page's ``seen_events`` rows, so each event is stored, and fanned out to
    the subscriptions, once; a page takes a few statements whatever its size. ``grants`` holds
    the page's grants (the follower's preparer loads them); without it (tests of storage alone)
    no message is made by representation."""

    async def receive(session: AsyncSession, events: list[FeedEvent]) -> None:
        await repository.add(session, service, events)
        await fan_out(session, events, grants)

    return receive


async def fan_out(session: AsyncSession, events: list[FeedEvent], grants: PageGrants | None) -> int:
    """One pending message per event and subscription that may receive it, in one statement;
    answers how many. The subscriptions of the whole page are read in one query."""
    held = {
        event.id: (
            await grants.of(event.subject) if grants is not None and event.subject and event.scope else []
        )
        for event in events
    }
    owners = set().union(*(candidate_owners(event, held[event.id]) for event in events))
    offices = {event.office for event in events if event.office is not None}
    patterns = sorted(set().union(*(patterns_naming(event.type) for event in events)))
    candidates = await subscriptions.matching(session, patterns, owners, offices)
    now = now_utc()
    rows = []
    for event in events:
        body = None
        naming = set(patterns_naming(event.type))
        for subscription in candidates:
            if naming.isdisjoint(subscription.event_types):
                continue
            basis = basis_of(subscription, event, held[event.id])
            if basis is None:
                continue
            body = body or _body(event)
            rows.append(
                {
                    "subscription_id": subscription.id,
                    "event_id": event.id,
                    "type": event.type,
                    "object_key": f"{event.object.kind}:{event.object.id}"[:250],
                    "basis": basis,
                    "principal": event.subject if basis == "representation" else None,
                    "body": body,
                    "occurred_at": event.occurred_at,
                    "status": "pending",
                    "attempts": 0,
                    # Due now for a webhook that may receive it; a box-only (or not yet verified, or
                    # paused) subscription's waits until it can (messages.repository.resume).
                    "next_attempt_at": now
                    if subscription.state == "active" and subscription.webhook_url
                    else None,
                }
            )
    if rows:
        # Parameters apart from the statement: compiled once, sent as one multi-row insert.
        await session.execute(insert(Message.__table__).on_conflict_do_nothing(), rows)
        if any(row["next_attempt_at"] is not None for row in rows):
            await messages_repository.notify_due(session)  # wakes the dispatchers at commit
    return len(rows)


def _body(event: FeedEvent) -> dict[str, object]:
    return MessageBody(
        type=event.type,
        timestamp=event.occurred_at,
        event_id=event.id,
        subject=event.subject,
        object=event.object,
        access_level=event.access_level,
        data=event.data,
    ).model_dump(mode="json")

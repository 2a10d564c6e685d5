"""``GET /v1/events``: a service's outbox as a feed, for machine clients with ``events:read``.

Events come in the order of the outbox's ``id``, the service's event sequence, after the
``after`` cursor (opaque: base64 of the last ``id`` read). The feed never changes a row.

**No event is skipped.** A sequence value is taken at insert but transactions commit in
another order: a reader could see ``id`` 11 committed while 10 is still in flight, move its
cursor past 11, and never see 10. So every writer holds a shared transaction-level advisory
lock on its outbox from before its insert until it commits (``kit.outbox.publish``), and the
reader takes the same lock exclusively before reading: it waits for the writers in flight
and, once it holds the lock, every ``id`` already taken is committed or rolled back, and
every later one will be higher than what it reads. Writers never wait on each other; they
wait on a reader only for its one bounded query. The wait is bounded by ``LOCK_TIMEOUT``;
past it the answer is 503 and the follower asks again.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Row, Table, func, select, text
from sqlalchemy.exc import DBAPIError

from kit.auth import Principal, require_scope
from kit.errors import Forbidden, InvalidCursor, ProblemError, problem_responses
from kit.feed_signal import FeedSignal
from kit.outbox import lock_key
from kit.pagination import decode_cursor, encode_cursor
from kit.registry import registry
from kit.runtime import Runtime, RuntimeDep
from panjereh_contract.access_levels import ACCESS_LEVELS
from panjereh_contract.events import EventObject, EventPage, FeedEvent

EVENTS_SCOPE = "events:read"
MAX_LIMIT = 100
MAX_WAIT_SECONDS = 30
LOCK_TIMEOUT = "5s"  # a literal of SET LOCAL, which takes no bound parameter

EventsReaderDep = Annotated[Principal, require_scope(EVENTS_SCOPE)]


class FeedBusy(ProblemError):
    status = 503
    code = "feed-busy"
    title = "The feed waited too long for writers in flight; ask again"


def event_type(service: str, kind: str, topic: str) -> str:
    """``<service>.<kind>.<what happened>``: ``orders.order-file.approved`` for the topic
    ``order.approved`` on an ``order-file``."""
    return f"{service}.{kind}.{topic.split('.', 1)[-1]}"


def feed_event(service: str, row: Row[Any]) -> FeedEvent:
    kind = row.object_kind
    url = f"{registry()[service].prefix}{row.object_url}" if row.object_url else None
    return FeedEvent(
        id=row.event_id,
        type=event_type(service, kind, row.topic),
        subject=row.party,
        object=EventObject(kind=kind, id=row.subject.removeprefix(f"{kind}:"), url=url),
        access_level=row.access_level if row.access_level in ACCESS_LEVELS else None,
        scope=row.scope,
        office=row.office,
        occurred_at=row.created_at,
        data=row.payload,
    )


def _after(cursor: str | None) -> int:
    if cursor is None:
        return 0
    (value,) = decode_cursor(cursor, 1)
    if not value.isdigit():
        raise InvalidCursor("The cursor is not one this API issued.")
    return int(value)


def events_router(table: Table, service: str, signal: FeedSignal) -> APIRouter:
    """The feed over ``table`` (made by ``kit.outbox.outbox_table``) of ``service``; long-polls
    wake on ``signal`` (whose listener the app runs)."""
    router = APIRouter(tags=["events"])
    c = table.c

    async def read(runtime: Runtime, start: int, limit: int) -> list[Row[Any]]:
        """One page after ``start``, once every writer with a lower ``id`` has finished: a short
        transaction of its own (a long-poll holds no connection while it waits)."""
        async with runtime.sessionmaker() as session, session.begin():
            await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            try:
                await session.execute(select(func.pg_advisory_xact_lock(lock_key(table))))
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
                    raise
                raise FeedBusy("Writers held the feed longer than its lock timeout.") from exc
            stmt = select(table).where(c.id > start).order_by(c.id).limit(limit)
            return list((await session.execute(stmt)).all())

    @router.get(
        "/v1/events",
        summary="Read this service's events in order (machine clients with `events:read`)",
        response_model=EventPage,
        responses=problem_responses(401, 422, InvalidCursor, Forbidden, FeedBusy),
    )
    async def events(
        request: Request,
        runtime: RuntimeDep,
        _: EventsReaderDep,
        after: Annotated[
            str | None, Query(max_length=512, description="The `next` of the previous page; omit to start.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Events per page (1-100).")] = MAX_LIMIT,
        wait: Annotated[
            int,
            Query(
                ge=0,
                le=MAX_WAIT_SECONDS,
                description="Long-poll: when no event follows `after`, wait up to this many seconds "
                "for one before answering an empty page (0: answer at once).",
            ),
        ] = 0,
    ) -> EventPage:
        """Events oldest first by the service's sequence, each once in a stable order, none
        skipped (a follower stores `next` and asks again from it). Events are immutable and
        kept at least 30 days. Deduplicate by `id`. With `wait`, an empty page is answered only
        after that many seconds without a new event; an event committed meanwhile is answered
        within milliseconds (PostgreSQL `NOTIFY`)."""
        start = _after(after)
        if wait:
            signal.listen(runtime.settings.database_url)
        deadline = time.monotonic() + wait
        while True:
            rows = await read(runtime, start, limit)
            remaining = deadline - time.monotonic()
            if rows or remaining <= 0 or await request.is_disconnected():
                break  # a follower that went away (stopping) no longer holds the feed's shutdown
            await signal.wait(remaining)
        return EventPage(
            items=[feed_event(service, row) for row in rows],
            next=encode_cursor([rows[-1].id]) if rows else None,
        )

    return router

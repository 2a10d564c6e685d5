"""``GET /v1/audit-events``: a service's audit log, for admins (the ``admin`` scope) only.

Every service mounts ``audit_router(its audit table)``; the filters and the paging are the
same everywhere. Entries come oldest first, by ``id`` (stable: rows are never updated).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BeforeValidator
from sqlalchemy import Table, select

from kit.auth import Principal, require_scope
from kit.db import SessionDep
from kit.errors import Forbidden, InvalidCursor, problem_responses
from kit.pagination import PageParams, decode_cursor, page_of, page_params
from panjereh_contract.audit_models import AuditEvent, AuditEventPage, Outcome
from panjereh_contract.types import SINGLE_LINE_PATTERN

AdminDep = Annotated[Principal, require_scope("admin")]


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: object) -> object:
    """Only an RFC 3339 date-time with its offset (pydantic alone would take a number as a
    Unix time, and a time without an offset is ambiguous)."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("not an RFC 3339 date-time with an offset, e.g. 2026-12-03T09:30:00Z")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]


def _text(description: str) -> Any:
    # Recorded values are single lines: a filter with a control character matches nothing
    # and PostgreSQL refuses NUL, so the schema says so up front.
    return Query(min_length=1, max_length=200, pattern=SINGLE_LINE_PATTERN, description=description)


def audit_router(table: Table, *, tags: list[str] | None = None) -> APIRouter:
    """The admin query over ``table`` (made by ``kit.audit.audit_table``)."""
    router = APIRouter(tags=tags or ["audit"])
    c = table.c

    @router.get(
        "/v1/audit-events",
        summary="Query the security audit log (admin)",
        response_model=AuditEventPage,
        responses=problem_responses(401, 422, InvalidCursor, Forbidden),
    )
    async def audit_events(
        request: Request,
        session: SessionDep,
        _: AdminDep,
        params: Annotated[PageParams, Depends(page_params)],
        actor: Annotated[str | None, _text("Who acted, e.g. `user:…` or `client:…`.")] = None,
        on_behalf_of: Annotated[str | None, _text("The principal acted for.")] = None,
        action: Annotated[str | None, _text("The action, e.g. `token.exchange`.")] = None,
        object_type: Annotated[str | None, _text("The kind of object acted on.")] = None,
        object_id: Annotated[
            str | None, _text("The object's ID (with `object_type`, served by an index).")
        ] = None,
        outcome: Annotated[Outcome | None, Query(description="`success` or `refused`.")] = None,
        request_id: Annotated[str | None, _text("The `X-Request-ID` of the request.")] = None,
        from_: Annotated[
            Instant | None, Query(alias="from", description="At or after this instant (RFC 3339).")
        ] = None,
        to: Annotated[Instant | None, Query(description="Before this instant (RFC 3339).")] = None,
    ) -> AuditEventPage:
        """Security events of this service (logins, lockouts, tokens, grants, keys, approvals,
        admin acts), oldest first, with cursor paging (`next`). Filters combine with AND.
        An empty time range (`from` not before `to`) finds nothing. Needs a machine client
        with the `admin` scope. The log is append-only: nothing here (or anywhere) changes
        or deletes an entry."""
        stmt = select(table)
        for column, value in (
            (c.actor, actor),
            (c.on_behalf_of, on_behalf_of),
            (c.action, action),
            (c.object_type, object_type),
            (c.object_id, object_id),
            (c.outcome, outcome.value if outcome else None),
            (c.request_id, request_id),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if from_ is not None:
            stmt = stmt.where(c.occurred_at >= from_)
        if to is not None:
            stmt = stmt.where(c.occurred_at < to)
        if params.cursor:
            (after,) = decode_cursor(params.cursor, 1)
            if not after.isdigit():
                raise InvalidCursor("The cursor is not one this API issued.")
            stmt = stmt.where(c.id > int(after))
        rows = list((await session.execute(stmt.order_by(c.id).limit(params.limit + 1))).all())
        page, next_url = page_of(rows, params=params, request=request, key_of=lambda row: (row.id,))
        return AuditEventPage(items=[AuditEvent.model_validate(row._mapping) for row in page], next=next_url)

    return router

"""``GET /v1/audit-events``: a service's audit log, for admins (the ``admin`` scope) only.

Every service mounts ``audit_router(its audit table)``; the filters and the paging are the
same everywhere. Entries come oldest first, by ``id`` (stable: rows are never updated).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime
from sqlalchemy import Table, select

from kit.audit_models import AuditEvent, AuditEventPage, Outcome
from kit.auth import Principal, require_scope
from kit.db import SessionDep
from kit.errors import PROBLEM_RESPONSES, InvalidCursor, ProblemError, field_error
from kit.pagination import PageParams, decode_cursor, page_of, page_params

AdminDep = Annotated[Principal, require_scope("admin")]


class ObjectIdWithoutType(ProblemError):
    status = 422
    code = "object-id-without-type"
    title = "object_id needs object_type"
    title_fa = "شناسه موضوع بدون نوع آن معنا ندارد"


class EmptyTimeRange(ProblemError):
    status = 422
    code = "empty-time-range"
    title = "The time range is empty"
    title_fa = "بازه زمانی خالی است"


def _text(description: str) -> Any:
    return Query(min_length=1, max_length=200, description=description)


def audit_router(table: Table, *, tags: list[str] | None = None) -> APIRouter:
    """The admin query over ``table`` (made by ``kit.audit.audit_table``)."""
    router = APIRouter(tags=tags or ["audit"])
    c = table.c

    @router.get(
        "/v1/audit-events",
        summary="Query the security audit log (admin)",
        response_model=AuditEventPage,
        responses={status: PROBLEM_RESPONSES[status] for status in (400, 401, 403, 422)},
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
        object_id: Annotated[str | None, _text("The object's ID; needs `object_type`.")] = None,
        outcome: Annotated[Outcome | None, Query(description="`success` or `refused`.")] = None,
        request_id: Annotated[str | None, _text("The `X-Request-ID` of the request.")] = None,
        from_: Annotated[
            AwareDatetime | None, Query(alias="from", description="At or after this instant.")
        ] = None,
        to: Annotated[AwareDatetime | None, Query(description="Before this instant.")] = None,
    ) -> AuditEventPage:
        """Security events of this service (logins, lockouts, tokens, grants, keys, approvals,
        admin acts), oldest first, with cursor paging (`next`). Filters combine with AND.
        Needs a machine client with the `admin` scope. The log is append-only: nothing here
        (or anywhere) changes or deletes an entry."""
        if object_id is not None and object_type is None:
            raise ObjectIdWithoutType(
                "Say which kind of object the ID is (object_type).",
                errors=[field_error("#/query/object_type", "required with object_id", "missing")],
            )
        if from_ is not None and to is not None and from_ >= to:
            raise EmptyTimeRange(
                "`from` must be before `to`.",
                errors=[field_error("#/query/to", "not after `from`", "empty_range")],
            )
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

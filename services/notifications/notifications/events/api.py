"""``GET /v1/received-events``: what arrived from the feeds, for admins (the ``admin`` scope)
only: operators and tests see here which events notifications has received."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from notifications_client.events import ReceivedEventPage

from kit.auth import Principal, require_scope
from kit.db import SessionDep
from kit.errors import Forbidden, InvalidCursor, problem_responses
from kit.pagination import PageParams, page_of, page_params
from notifications.events import repository
from notifications.events.views import received_event

router = APIRouter(tags=["received events"])
AdminDep = Annotated[Principal, require_scope("admin")]


@router.get(
    "/v1/received-events",
    summary="List the events received from the services' feeds (admin)",
    response_model=ReceivedEventPage,
    responses=problem_responses(401, 422, InvalidCursor, Forbidden),
)
async def received_events(
    request: Request,
    session: SessionDep,
    _: AdminDep,
    params: Annotated[PageParams, Depends(page_params)],
    service: Annotated[
        str | None, Query(pattern=r"^[a-z][a-z0-9]{0,39}$", description="Only from this service's feed.")
    ] = None,
    type_: Annotated[
        str | None,
        Query(
            alias="type",
            pattern=r"^[a-z0-9.-]{1,100}$",
            description="Only of this type, e.g. `orders.order-file.approved`.",
        ),
    ] = None,
) -> ReceivedEventPage:
    """Events in the order they arrived, each once, with cursor paging (`next`). Needs a
    machine client with the `admin` scope."""
    rows = await repository.page(session, params, service=service, type_=type_)
    page, next_url = page_of(rows, params=params, request=request, key_of=lambda row: (row.id,))
    return ReceivedEventPage(items=[received_event(row) for row in page], next=next_url)

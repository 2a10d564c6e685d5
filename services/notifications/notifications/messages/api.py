"""A subscription's box and deliveries.

Who sees what: only the subscription's owner, in its own name (the token's subject is the owner and
it acts for no one), sees its messages, its delivery log and metrics, and may acknowledge,
replay or send a test event; anyone else gets ``404 subscription-not-found``, as if it did not
exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from notifications_client.messages import (
    AcknowledgementsIn,
    AcknowledgementsOut,
    Attempt,
    AttemptPage,
    BoxMessage,
    BoxMessagePage,
    ReplayRangeIn,
    ReplayRangeOut,
    SubscriptionMetrics,
    TestEventIn,
)

from kit.auth import PrincipalDep
from kit.db import SessionDep
from kit.errors import InvalidCursor, problem_responses
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, page_of, page_params
from kit.runtime import state_dependency
from notifications.messages import service
from notifications.messages.exceptions import (
    GrantsUnavailable,
    InvalidRange,
    MessageNotFound,
    MessageWithheld,
    WebhookNotActive,
)
from notifications.messages.views import attempt_out, box_message
from notifications.state import NotificationsState
from notifications.subscriptions.exceptions import SubscriptionInOwnNameOnly, SubscriptionNotFound

router = APIRouter(route_class=IdempotentRoute)
StateDep = Annotated[NotificationsState, Depends(state_dependency(NotificationsState))]
Params = Annotated[PageParams, Depends(page_params)]


async def context(session: SessionDep, principal: PrincipalDep, state: StateDep) -> service.Context:
    return service.Context(session=session, principal=principal, state=state)


ContextDep = Annotated[service.Context, Depends(context)]


@router.get(
    "/v1/subscriptions/{subscription_id}/messages",
    tags=["boxes"],
    summary="List a subscription's messages, oldest first",
    response_model=BoxMessagePage,
    responses=problem_responses(
        401, 422, InvalidCursor, SubscriptionInOwnNameOnly, SubscriptionNotFound, GrantsUnavailable
    ),
)
async def list_messages(
    request: Request,
    ctx: ContextDep,
    subscription_id: uuid.UUID,
    params: Params,
    status: Annotated[
        Literal["pending", "delivered", "acknowledged", "failed", "withheld"] | None,
        Query(description="Only messages in this status (all without it)."),
    ] = None,
) -> BoxMessagePage:
    """The box of software with no inbound HTTP: messages oldest first, 100 at most a page, with
    cursor paging (`next`). A pending message about a principal's object is checked again against
    the owner's representation grants first: one it may no longer read becomes `withheld`."""
    rows = await service.box(ctx, subscription_id, status, params)
    page, next_url = page_of(rows, params=params, request=request, key_of=lambda row: (row.id,))
    items = [box_message(m) for m in page if status is None or m.status == status]
    return BoxMessagePage(items=items, next=next_url)


@router.post(
    "/v1/subscriptions/{subscription_id}/messages/{message_id}/acknowledge",
    tags=["boxes"],
    summary="Acknowledge one message",
    response_model=BoxMessage,
    responses=problem_responses(401, 422, SubscriptionInOwnNameOnly, SubscriptionNotFound, MessageNotFound),
)
async def acknowledge(ctx: ContextDep, subscription_id: uuid.UUID, message_id: uuid.UUID) -> BoxMessage:
    """Marks the message `acknowledged` (no further delivery). Acknowledging again answers the
    same; a withheld message stays withheld."""
    return box_message(await service.acknowledge(ctx, subscription_id, message_id))


@router.post(
    "/v1/subscriptions/{subscription_id}/acknowledgements",
    tags=["boxes"],
    summary="Acknowledge up to 100 messages at once",
    response_model=AcknowledgementsOut,
    responses=problem_responses(401, 422, SubscriptionInOwnNameOnly, SubscriptionNotFound),
)
async def acknowledge_many(
    ctx: ContextDep, subscription_id: uuid.UUID, body: AcknowledgementsIn
) -> AcknowledgementsOut:
    """Acknowledges each listed message of the box (again is fine); IDs the box does not hold, or
    withheld messages, come back under `unknown`."""
    done, unknown = await service.acknowledge_many(ctx, subscription_id, body.message_ids)
    return AcknowledgementsOut(acknowledged=done, unknown=unknown)


@router.get(
    "/v1/subscriptions/{subscription_id}/attempts",
    tags=["deliveries"],
    summary="The delivery log: every attempt, newest first",
    response_model=AttemptPage,
    responses=problem_responses(401, 422, InvalidCursor, SubscriptionInOwnNameOnly, SubscriptionNotFound),
)
async def attempts(
    request: Request,
    ctx: ContextDep,
    subscription_id: uuid.UUID,
    params: Params,
    message_id: Annotated[uuid.UUID | None, Query(description="Only this message's attempts.")] = None,
) -> AttemptPage:
    """Each attempt with its HTTP status (null when no answer came), latency and error; replays
    are marked `replay`."""
    rows = await service.attempts(ctx, subscription_id, message_id, params)
    page, next_url = page_of(rows, params=params, request=request, key_of=lambda row: (row.attempt.id,))
    return AttemptPage(items=[attempt_out(r.attempt, r.message_id) for r in page], next=next_url)


@router.post(
    "/v1/subscriptions/{subscription_id}/messages/{message_id}/replay",
    tags=["deliveries"],
    summary="Send one message again now",
    response_model=Attempt,
    responses=problem_responses(
        401,
        422,
        SubscriptionInOwnNameOnly,
        SubscriptionNotFound,
        MessageNotFound,
        WebhookNotActive,
        MessageWithheld,
        GrantsUnavailable,
    ),
)
async def replay(ctx: ContextDep, subscription_id: uuid.UUID, message_id: uuid.UUID) -> Attempt:
    """Sends the message to the webhook now, signed with the current secrets, and answers the
    attempt. A replay is logged with `replay: true` and changes neither the message's status nor
    its retries, and never disables the subscription."""
    attempt, message = await service.replay(ctx, subscription_id, message_id)
    return attempt_out(attempt, message.message_id)


@router.post(
    "/v1/subscriptions/{subscription_id}/replay",
    tags=["deliveries"],
    summary="Send every message of a time range again",
    status_code=202,
    response_model=ReplayRangeOut,
    responses=problem_responses(
        401,
        422,
        SubscriptionInOwnNameOnly,
        SubscriptionNotFound,
        WebhookNotActive,
        InvalidRange,
        GrantsUnavailable,
    ),
)
async def replay_range(ctx: ContextDep, subscription_id: uuid.UUID, body: ReplayRangeIn) -> ReplayRangeOut:
    """Replays, in the background and oldest first, the messages made in `[since, until)` (but
    withheld ones), at most 1,000; each attempt is logged as a replay."""
    since, until = (_aware(body.since), _aware(body.until))
    count, truncated = await service.replay_range(ctx, subscription_id, since, until)
    return ReplayRangeOut(replaying=count, truncated=truncated)


@router.post(
    "/v1/subscriptions/{subscription_id}/test",
    tags=["deliveries"],
    summary="Send a test event",
    status_code=201,
    response_model=BoxMessage,
    responses=problem_responses(401, 422, SubscriptionInOwnNameOnly, SubscriptionNotFound),
)
async def send_test(
    ctx: ContextDep, subscription_id: uuid.UUID, body: TestEventIn | None = None
) -> BoxMessage:
    """Puts a `notifications.test.sent` message with `data: {"message": ...}` in the box; it is
    delivered to the webhook like any other."""
    text = (body or TestEventIn()).message
    return box_message(await service.send_test(ctx, subscription_id, text))


@router.get(
    "/v1/subscriptions/{subscription_id}/statistics",
    tags=["deliveries"],
    summary="Delivery metrics of the last 24 hours",
    response_model=SubscriptionMetrics,
    responses=problem_responses(401, 422, SubscriptionInOwnNameOnly, SubscriptionNotFound),
)
async def metrics(ctx: ContextDep, subscription_id: uuid.UUID) -> SubscriptionMetrics:
    """Attempts, successes, failures, success rate and latency percentiles over the last 24 hours,
    with the pending count and the oldest pending message's age now."""
    return await service.metrics(ctx, subscription_id)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

"""Subscriptions: which events a subscriber receives, by webhook and in its box.

Who sees what: a subscription is its owner's, the subject of the token that made it (a user's
or a machine client's own token; a token acting for someone is refused, 403: what a subscriber
receives follows from the grants it holds, ``notifications.visibility``). Anyone else's
subscription answers 404, as if it did not exist. Creating honours `Idempotency-Key`; the
signing secret is shown in the answer of creating and of rotating only.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from notifications_client.subscriptions import (
    SecretRotated,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionPage,
    SubscriptionUpdate,
)

from kit.auth import PrincipalDep
from kit.db import SessionDep
from kit.errors import InvalidCursor, problem_responses
from kit.etags import SENDS_ETAG, IfMatch, check_if_match
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, page_of, page_params
from kit.runtime import state_dependency
from kit.urls import public_location
from notifications.state import NotificationsState
from notifications.subscriptions import service, views
from notifications.subscriptions.exceptions import (
    InvalidEventTypePattern,
    NoWebhookUrl,
    SubscriptionInOwnNameOnly,
    SubscriptionNotFound,
    WebhookUrlNotAllowed,
)
from notifications.subscriptions.service import Context

router = APIRouter(tags=["subscriptions"], route_class=IdempotentRoute)
notifications_state = state_dependency(NotificationsState)


async def _context(
    session: SessionDep,
    principal: PrincipalDep,
    state: Annotated[NotificationsState, Depends(notifications_state)],
) -> Context:
    return Context(
        session=session,
        principal=principal,
        webhooks=state.webhooks,
        sandbox=state.runtime.settings.sandbox,
    )


ContextDep = Annotated[Context, Depends(_context)]
SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's ID.")]


@router.post(
    "/v1/subscriptions",
    status_code=201,
    summary="Subscribe to events",
    response_model=SubscriptionCreated,
    responses=problem_responses(
        401, 422, SubscriptionInOwnNameOnly, InvalidEventTypePattern, WebhookUrlNotAllowed
    ),
    openapi_extra=SENDS_ETAG,
)
async def create_subscription(
    data: SubscriptionCreate, ctx: ContextDep, request: Request, response: Response
) -> SubscriptionCreated:
    """A subscription of the token's subject (never one acted for: 403) to the event types its
    patterns name. The answer shows the `whsec_` signing secret, once.

    With a `webhook_url` (`https` and public addresses only, outside the sandbox; 422 naming
    `webhook_url` otherwise), notifications at once POSTs it a signed challenge,
    `{"type": "webhook.challenge", "challenge": "<random>"}`; answer 2xx with
    `{"challenge": "<the same>"}` within 5 s and the subscription is `active`; otherwise it stays
    `pending-verification`, `verification_error` says why, and `POST .../verify` tries again.
    Messages fill its box meanwhile. Without a URL it is `active` and pull-only."""
    subscription, secret, error = await service.create(ctx, data)
    response.headers["Location"] = public_location(request, f"/v1/subscriptions/{subscription.id}")
    response.headers["ETag"] = views.etag(subscription)
    return views.subscription_created(subscription, secret, error)


@router.get(
    "/v1/subscriptions",
    summary="List your subscriptions",
    response_model=SubscriptionPage,
    responses=problem_responses(401, 422, InvalidCursor, SubscriptionInOwnNameOnly),
)
async def list_subscriptions(
    ctx: ContextDep, request: Request, params: Annotated[PageParams, Depends(page_params)]
) -> SubscriptionPage:
    """The token's subject's subscriptions, oldest first, a page at a time."""
    rows = await service.page(ctx, params)
    items, next_url = page_of(
        rows, params=params, request=request, key_of=lambda s: (s.created_at.isoformat(), s.id)
    )
    return SubscriptionPage(items=[views.subscription_out(s) for s in items], next=next_url)


@router.get(
    "/v1/subscriptions/{subscription_id}",
    summary="Read a subscription",
    response_model=SubscriptionOut,
    responses=problem_responses(401, 422, SubscriptionInOwnNameOnly, SubscriptionNotFound),
    openapi_extra=SENDS_ETAG,
)
async def read_subscription(
    subscription_id: SubscriptionId, ctx: ContextDep, response: Response
) -> SubscriptionOut:
    subscription = await service.read(ctx, subscription_id)
    response.headers["ETag"] = views.etag(subscription)
    return views.subscription_out(subscription)


@router.patch(
    "/v1/subscriptions/{subscription_id}",
    summary="Change a subscription",
    response_model=SubscriptionOut,
    responses=problem_responses(
        401,
        412,
        422,
        428,
        SubscriptionInOwnNameOnly,
        SubscriptionNotFound,
        InvalidEventTypePattern,
        WebhookUrlNotAllowed,
    ),
    openapi_extra=SENDS_ETAG,
)
async def update_subscription(
    subscription_id: SubscriptionId,
    data: SubscriptionUpdate,
    ctx: ContextDep,
    response: Response,
    if_match: IfMatch = None,
) -> SubscriptionOut:
    """Changes the fields given. A new `webhook_url` is challenged at once (as when
    subscribing); `state`: `disabled` pauses deliveries (the box still fills), `active` resumes
    them, after a new challenge when there is a webhook URL. `If-Match` must carry the ETag as
    last read."""
    subscription = await service.read(ctx, subscription_id, lock=True)
    check_if_match(views.etag(subscription), if_match)
    error = await service.update(ctx, subscription, data)
    response.headers["ETag"] = views.etag(subscription)
    return views.subscription_out(subscription, error)


@router.delete(
    "/v1/subscriptions/{subscription_id}",
    status_code=204,
    summary="Delete a subscription",
    responses=problem_responses(401, 422, SubscriptionInOwnNameOnly, SubscriptionNotFound),
)
async def delete_subscription(subscription_id: SubscriptionId, ctx: ContextDep) -> Response:
    """The subscription, its box and its delivery log are gone."""
    subscription = await service.read(ctx, subscription_id, lock=True)
    await service.remove(ctx, subscription)
    return Response(status_code=204)


@router.post(
    "/v1/subscriptions/{subscription_id}/verify",
    summary="Challenge the webhook URL again",
    response_model=SubscriptionOut,
    responses=problem_responses(401, 422, SubscriptionInOwnNameOnly, SubscriptionNotFound, NoWebhookUrl),
)
async def verify_subscription(subscription_id: SubscriptionId, ctx: ContextDep) -> SubscriptionOut:
    """Sends a new challenge to the webhook URL; the answer shows the resulting state and, if
    it failed, `verification_error`."""
    subscription = await service.read(ctx, subscription_id, lock=True)
    error = await service.verify(ctx, subscription)
    return views.subscription_out(subscription, error)


@router.post(
    "/v1/subscriptions/{subscription_id}/secret",
    summary="Rotate the signing secret",
    response_model=SecretRotated,
    responses=problem_responses(401, 422, SubscriptionInOwnNameOnly, SubscriptionNotFound),
)
async def rotate_secret(subscription_id: SubscriptionId, ctx: ContextDep) -> SecretRotated:
    """A new `whsec_` secret, shown in this answer only. The previous one keeps signing beside
    it for 24 hours (`previous_retires_at`): every delivery carries both signatures meanwhile,
    so a receiver can switch without losing a message."""
    subscription = await service.read(ctx, subscription_id, lock=True)
    secret, retires_at = await service.rotate_secret(ctx, subscription)
    return views.secret_rotated(secret, retires_at)

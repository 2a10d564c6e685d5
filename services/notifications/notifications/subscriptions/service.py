"""The rules of subscriptions. Flush, never commit: the request's session commits after the
handler, or rolls everything back on a refusal (the audit row with it).

A subscription is made in its owner's own name (a user's or a machine client's own token, never
one acting for someone); what it receives follows from what its owner may read
(``notifications.visibility``). A webhook URL must answer a challenge before deliveries start:
notifications POSTs ``{"type": "webhook.challenge", "challenge": "<random>"}``, signed like
every delivery, and the URL must answer 2xx with ``{"challenge": "<the same>"}`` within 5 s.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from notifications_client.subscriptions import SubscriptionCreate, SubscriptionUpdate
from notifications_client.webhooks import new_secret, signed_headers
from sqlalchemy.ext.asyncio import AsyncSession

from kit import audit
from kit.auth import Principal
from kit.clock import now_utc
from kit.errors import field_pointer
from kit.pagination import PageParams
from notifications.db import audit_log
from notifications.messages import repository as messages_repository
from notifications.subscriptions import repository
from notifications.subscriptions.exceptions import (
    InvalidEventTypePattern,
    NoWebhookUrl,
    SubscriptionInOwnNameOnly,
    SubscriptionNotFound,
    WebhookUrlNotAllowed,
)
from notifications.subscriptions.models import Subscription, SubscriptionSecret
from notifications.webhooks.addresses import WebhookUrlRefused, check_webhook_url
from panjereh_contract.event_types import known_pattern

# After a rotation the previous secret keeps signing beside the new one this long.
ROTATION_OVERLAP = dt.timedelta(hours=24)
CHALLENGE_TYPE = "webhook.challenge"
OFFICER = "officer"


@dataclass(frozen=True, slots=True)
class Context:
    """What one request gives the rules: its unit of work, who is calling, and how webhook URLs
    are reached (``notifications.webhooks.transport``)."""

    session: AsyncSession
    principal: Principal
    webhooks: httpx.AsyncClient
    sandbox: bool


def owner_of(principal: Principal) -> str:
    """The subject a subscription is made for: the caller's own, never one acted for."""
    if principal.actor is not None:
        raise SubscriptionInOwnNameOnly()
    return principal.subject


def office_of(principal: Principal) -> str | None:
    """``<kind>:<code>`` of an officer's office, from the token's ``office`` claim."""
    if OFFICER not in principal.roles:
        return None
    office = principal.claims.get("office")
    if isinstance(office, dict) and office.get("kind") and office.get("code"):
        return f"{office['kind']}:{office['code']}"
    return None


def _check_patterns(patterns: list[str]) -> list[str]:
    for index, pattern in enumerate(patterns):
        if not known_pattern(pattern):
            raise InvalidEventTypePattern(
                f"{pattern!r} names no event type (the notifications OpenAPI lists them under `webhooks`): "
                "give an event type, `<service>.<kind>.*`, `<service>.*` or `*`.",
                pointer=field_pointer("body", "event_types", index),
            )
    return list(dict.fromkeys(patterns))


def _check_url(ctx: Context, url: str) -> str:
    try:
        check_webhook_url(url, sandbox=ctx.sandbox)
    except WebhookUrlRefused as exc:
        raise WebhookUrlNotAllowed(str(exc)) from exc
    return url


async def _record(ctx: Context, action: str, subscription: Subscription, **details: Any) -> None:
    await audit.record(
        ctx.session,
        audit_log,
        actor=ctx.principal.subject,
        action=action,
        object_type="subscription",
        object_id=subscription.id,
        details=details or None,
    )


async def create(ctx: Context, data: SubscriptionCreate) -> tuple[Subscription, str, str | None]:
    """The new subscription, its secret (shown once) and, when its webhook URL failed the
    challenge sent at once, why."""
    owner = owner_of(ctx.principal)
    patterns = _check_patterns(data.event_types)
    url = _check_url(ctx, data.webhook_url) if data.webhook_url is not None else None
    now = now_utc()
    subscription = Subscription(
        id=uuid.uuid4(),
        owner=owner,
        office=office_of(ctx.principal),
        description=data.description,
        event_types=patterns,
        webhook_url=url,
        state="pending-verification" if url else "active",
        created_at=now,
        updated_at=now,
    )
    repository.add(ctx.session, subscription)
    secret = new_secret()
    repository.add(
        ctx.session, SubscriptionSecret(subscription_id=subscription.id, secret=secret, created_at=now)
    )
    await ctx.session.flush()
    await _record(ctx, "subscription.create", subscription, event_types=patterns, webhook_url=url)
    error = await challenge(ctx, subscription) if url else None
    return subscription, secret, error


async def read(ctx: Context, subscription_id: uuid.UUID, *, lock: bool = False) -> Subscription:
    """The caller's subscription; anyone else's is 404, as if it did not exist."""
    subscription = await repository.subscription(ctx.session, subscription_id, lock=lock)
    if subscription is None or subscription.owner != owner_of(ctx.principal):
        raise SubscriptionNotFound()
    return subscription


async def page(ctx: Context, params: PageParams) -> list[Subscription]:
    return await repository.subscriptions_of(ctx.session, owner_of(ctx.principal), params)


async def update(ctx: Context, subscription: Subscription, data: SubscriptionUpdate) -> str | None:
    """Change what ``data`` names; answers why a challenge failed, when one was sent (a new
    webhook URL, or re-enabling one)."""
    changed: dict[str, Any] = {}
    fields = data.model_fields_set
    if "event_types" in fields and data.event_types is not None:
        subscription.event_types = changed["event_types"] = _check_patterns(data.event_types)
    if "description" in fields:
        subscription.description = changed["description"] = data.description
    needs_challenge = False
    if "webhook_url" in fields and data.webhook_url != subscription.webhook_url:
        url = _check_url(ctx, data.webhook_url) if data.webhook_url is not None else None
        subscription.webhook_url = changed["webhook_url"] = url
        subscription.verified_at = None
        subscription.challenge = None
        if subscription.state != "disabled":
            subscription.state = "pending-verification" if url else "active"
            needs_challenge = url is not None
    if data.state == "disabled" and subscription.state != "disabled":
        subscription.state = changed["state"] = "disabled"
        subscription.disabled_reason = "Disabled by its owner."
    elif data.state == "active" and subscription.state != "active":
        changed["state"] = "active"
        subscription.disabled_reason = None
        if subscription.webhook_url is None:
            subscription.state = "active"
        else:
            subscription.state = "pending-verification"
            needs_challenge = True
    subscription.updated_at = now_utc()
    await ctx.session.flush()
    await _record(ctx, "subscription.update", subscription, **changed)
    return await challenge(ctx, subscription) if needs_challenge else None


async def remove(ctx: Context, subscription: Subscription) -> None:
    await _record(ctx, "subscription.delete", subscription)
    await repository.remove(ctx.session, subscription.id)


async def verify(ctx: Context, subscription: Subscription) -> str | None:
    """Send its webhook URL a new challenge; answers why it failed, if it did."""
    if subscription.webhook_url is None:
        raise NoWebhookUrl()
    return await challenge(ctx, subscription)


async def rotate_secret(ctx: Context, subscription: Subscription) -> tuple[str, dt.datetime]:
    """A new secret (shown once); the current one keeps signing until the time answered."""
    now = now_utc()
    retires_at = now + ROTATION_OVERLAP
    await repository.retire_current_secrets(ctx.session, subscription.id, retires_at)
    secret = new_secret()
    repository.add(
        ctx.session, SubscriptionSecret(subscription_id=subscription.id, secret=secret, created_at=now)
    )
    subscription.updated_at = now
    await ctx.session.flush()
    await _record(ctx, "subscription.rotate-secret", subscription, previous_retires_at=retires_at.isoformat())
    return secret, retires_at


async def challenge(ctx: Context, subscription: Subscription) -> str | None:
    """POST a signed challenge to the webhook URL: an echo within 5 s makes the subscription
    ``active`` (``verified_at``); anything else leaves it pending and answers why."""
    assert subscription.webhook_url is not None
    token = secrets.token_urlsafe(32)
    subscription.challenge = token
    now = now_utc()
    body = json.dumps({"type": CHALLENGE_TYPE, "challenge": token}).encode()
    signing = await repository.signing_secrets(ctx.session, subscription.id, now)
    headers = {
        **signed_headers(signing, f"challenge_{uuid.uuid4()}", body),
        "Content-Type": "application/json",
    }
    error = await _send_challenge(ctx.webhooks, subscription.webhook_url, body, headers, token)
    if error is None:
        subscription.verified_at = now_utc()
        subscription.challenge = None
        if subscription.state != "disabled":  # a paused one stays paused until its owner resumes it
            subscription.state = "active"
            # What waited in its box while it could not deliver goes out now, oldest first.
            await messages_repository.resume(ctx.session, subscription.id, now_utc())
            await messages_repository.notify_due(ctx.session)
    elif subscription.state != "disabled":
        subscription.state = "pending-verification"
    subscription.updated_at = now_utc()
    await ctx.session.flush()
    await _record(ctx, "subscription.challenge", subscription, verified=error is None, error=error)
    return error


async def _send_challenge(
    http: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], token: str
) -> str | None:
    try:
        response = await http.post(url, content=body, headers=headers)
    except WebhookUrlRefused as exc:
        return f"The address is not allowed: {exc}"
    except httpx.TimeoutException:
        return "No answer within 5 s."
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return f"Could not reach the URL: {type(exc).__name__}: {exc}"[:300]
    if not 200 <= response.status_code < 300:
        return f"The URL answered {response.status_code}, not 2xx."
    try:
        answer = response.json()
    except ValueError:
        return "The answer is not JSON."
    if not isinstance(answer, dict) or answer.get("challenge") != token:
        return 'The answer does not echo the challenge: answer {"challenge": "<the challenge sent>"}.'
    return None

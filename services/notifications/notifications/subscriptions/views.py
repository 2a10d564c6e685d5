"""Subscriptions as the API shows them."""

from __future__ import annotations

import datetime as dt

from notifications_client.subscriptions import SecretRotated, SubscriptionCreated, SubscriptionOut

from notifications.subscriptions.models import Subscription


def etag(subscription: Subscription) -> str:
    """Changes with every change (each sets ``updated_at``, to the microsecond)."""
    stamp = round(subscription.updated_at.timestamp() * 1_000_000)
    return f'"{subscription.id}.{stamp}"'


def subscription_out(subscription: Subscription, verification_error: str | None = None) -> SubscriptionOut:
    return SubscriptionOut(
        id=subscription.id,
        owner=subscription.owner,
        office=subscription.office,
        description=subscription.description,
        event_types=list(subscription.event_types),
        webhook_url=subscription.webhook_url,
        state=subscription.state,  # type: ignore[arg-type]  # the table's check constraint
        disabled_reason=subscription.disabled_reason,
        verified_at=subscription.verified_at,
        verification_error=verification_error,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def subscription_created(
    subscription: Subscription, secret: str, verification_error: str | None
) -> SubscriptionCreated:
    return SubscriptionCreated(
        **subscription_out(subscription, verification_error).model_dump(), secret=secret
    )


def secret_rotated(secret: str, previous_retires_at: dt.datetime) -> SecretRotated:
    return SecretRotated(secret=secret, previous_retires_at=previous_retires_at)

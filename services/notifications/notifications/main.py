"""The notifications application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.app import ServiceSpec, create_service_app
from notifications import state
from notifications.config import Settings
from notifications.db import idempotency_keys, outbox_events
from notifications.events import api as events_api
from notifications.events.followers import close_webhooks, feeds, follow, purge_seen
from notifications.subscriptions import api as subscriptions_api
from notifications.webhooks.documented import TAG, TAG_DESCRIPTION, webhooks_router

SPEC = ServiceSpec(
    name="notifications",
    title="Panjereh notifications",
    description="Notifications: every service's events, followed from their feeds, reach client software as signed webhooks and pull boxes.",
    version="0.1.0",
    service_dir=Path(__file__).resolve().parent.parent,
    settings_factory=Settings,
    routers=[subscriptions_api.router, events_api.router],
    tags=[
        {
            "name": "subscriptions",
            "description": "Which events you receive, by signed webhook and in your box: event type "
            "patterns, a webhook URL verified by a challenge, and the signing secret.",
        },
        {
            "name": "received events",
            "description": "The events received from every service's feed (admins only).",
        },
        {"name": TAG, "description": TAG_DESCRIPTION},
    ],
    idempotency_table=idempotency_keys,
    outbox_table=outbox_events,
    state=state.build,
    background=[*(follow(feed) for feed in feeds()), close_webhooks],
    periodic=[purge_seen],
    webhooks=webhooks_router(),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)

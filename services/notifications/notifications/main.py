"""The notifications application."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from fastapi import FastAPI

from kit.app import ServiceSpec, create_service_app
from notifications import state
from notifications.config import Settings
from notifications.db import idempotency_keys, outbox_events
from notifications.events import api as events_api
from notifications.events.followers import close_webhooks, feeds, follow, purge_seen
from notifications.messages import api as messages_api
from notifications.messages.dispatcher import Delivery, dispatch
from notifications.messages.service import purge_old
from notifications.subscriptions import api as subscriptions_api
from notifications.webhooks.documented import TAG, TAG_DESCRIPTION, webhooks_router

SPEC = ServiceSpec(
    name="notifications",
    title="Panjereh notifications",
    description="Notifications: every service's events, followed from their feeds, reach client software as signed webhooks and pull boxes.",
    version="0.1.0",
    service_dir=Path(__file__).resolve().parent.parent,
    settings_factory=Settings,
    routers=[subscriptions_api.router, messages_api.router, events_api.router],
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
        {
            "name": "boxes",
            "description": "A subscription's messages: list them oldest first, acknowledge them (its owner only).",
        },
        {
            "name": "deliveries",
            "description": "A subscription's webhook deliveries: the attempt log, replays, a test event, "
            "metrics (its owner only).",
        },
        {"name": TAG, "description": TAG_DESCRIPTION},
    ],
    idempotency_table=idempotency_keys,
    outbox_table=outbox_events,
    state=state.build,
    background=[*(follow(feed) for feed in feeds()), dispatch, close_webhooks],
    periodic=[purge_seen, purge_old],
    webhooks=webhooks_router(),
)


def create_app(settings: Settings | None = None, *, delivery: Delivery | None = None) -> FastAPI:
    """The app; ``delivery`` replaces the dispatcher's collaborators (tests)."""
    spec = (
        SPEC
        if delivery is None
        else dataclasses.replace(SPEC, state=functools.partial(state.build, delivery=delivery))
    )
    return create_service_app(spec, settings)

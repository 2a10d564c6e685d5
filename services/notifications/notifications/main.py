"""The notifications application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.app import ServiceSpec, create_service_app
from notifications import state
from notifications.config import Settings
from notifications.db import idempotency_keys, outbox_events

SPEC = ServiceSpec(
    name="notifications",
    title="Panjereh notifications",
    description="Notifications: every service's events, followed from their feeds, reach client software as signed webhooks and pull boxes.",
    version="0.1.0",
    service_dir=Path(__file__).resolve().parent.parent,
    settings_factory=Settings,
    routers=[],
    idempotency_table=idempotency_keys,
    outbox_table=outbox_events,
    state=state.build,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)

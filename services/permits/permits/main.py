"""The permits application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.app import ServiceSpec, create_service_app
from permits import state
from permits.config import Settings
from permits.db import idempotency_keys, outbox_events

SPEC = ServiceSpec(
    name="permits",
    title="Panjereh permits",
    description="Clearance, export and case permits, their channels, and the write-off of used quantities against order lines (SPEC §3).",
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

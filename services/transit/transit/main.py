"""The transit application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.app import ServiceSpec, create_service_app
from transit import state
from transit.config import Settings
from transit.db import idempotency_keys, outbox_events

SPEC = ServiceSpec(
    name="transit",
    title="Panjereh transit",
    description="Transit declarations, truck scans, plate reads, arrival, settlement and monthly reports (SPEC §4).",
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

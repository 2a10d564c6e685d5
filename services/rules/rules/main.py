"""The rules application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.app import ServiceSpec, create_service_app
from rules.config import Settings
from rules.models import idempotency_keys

SPEC = ServiceSpec(
    name="rules",
    title="Panjereh rules",
    description="The amended customs law as dated, cited data: point-in-time values and traced calculations (SPEC §5).",
    version="0.1.0",
    service_dir=Path(__file__).resolve().parent.parent,
    settings_factory=Settings,
    routers=[],
    idempotency_table=idempotency_keys,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)

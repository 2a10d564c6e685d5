"""The orders application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.app import ServiceSpec, create_service_app
from orders.config import Settings
from orders.models import idempotency_keys

SPEC = ServiceSpec(
    name="orders",
    title="Panjereh orders",
    description="Order-registration files, tariff reference data, product IDs and the Iranians-abroad car import with the Mikhak feed (SPEC §2).",
    version="0.1.0",
    service_dir=Path(__file__).resolve().parent.parent,
    settings_factory=Settings,
    routers=[],
    idempotency_table=idempotency_keys,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)

"""The rules application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.app import ServiceSpec, create_service_app
from rules import state
from rules.api import calculations_router, router
from rules.config import Settings
from rules.models import idempotency_keys

SPEC = ServiceSpec(
    name="rules",
    title="Panjereh rules",
    description=(
        "The amended Customs Affairs Law, its executive bylaw and the trade rules of the seeds as dated, "
        "cited data: the value in force on any date (Gregorian or Jalali), each period's citation, and "
        "calculations (fines, levies, fees, duties, deadlines) that show their trace. Values marked "
        "`verified: false` come from sources that could not be confirmed; say so to the user."
    ),
    version="0.1.0",
    service_dir=Path(__file__).resolve().parent.parent,
    settings_factory=Settings,
    routers=[router, calculations_router],
    idempotency_table=idempotency_keys,
    tags=[
        {"name": "rules", "description": "The law as dated data, with citations."},
        {"name": "calculations", "description": "Traced calculations over the rules in force."},
    ],
    state=state.build,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)

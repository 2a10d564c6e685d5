"""transit for the tests of a service that calls it (run it with ``kit_testing.serve``)."""

from __future__ import annotations

from fastapi import FastAPI

from transit.config import Settings
from transit.main import create_app


def create_transit_app(settings: Settings) -> FastAPI:
    """transit's app on ``settings`` (e.g. the root conftest's ``settings_for("transit")``)."""
    return create_app(settings)

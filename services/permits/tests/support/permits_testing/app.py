"""permits for the tests of a service that calls it (run it with ``kit_testing.serve``)."""

from __future__ import annotations

from fastapi import FastAPI

from permits.config import Settings
from permits.main import create_app


def create_permits_app(settings: Settings) -> FastAPI:
    """permits's app on ``settings`` (e.g. the root conftest's ``settings_for("permits")``)."""
    return create_app(settings)

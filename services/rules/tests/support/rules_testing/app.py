"""rules for the tests of a service that calls it (run it with ``kit_testing.serve``)."""

from __future__ import annotations

from fastapi import FastAPI

from rules.config import Settings
from rules.main import create_app


def create_rules_app(settings: Settings) -> FastAPI:
    """rules' app on ``settings`` (e.g. the root conftest's ``settings_for("rules")``)."""
    return create_app(settings)

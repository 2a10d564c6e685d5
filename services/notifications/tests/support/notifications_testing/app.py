"""notifications for the tests of a service that calls it (run it with ``kit_testing.serve``)."""

from __future__ import annotations

from fastapi import FastAPI

from notifications.config import Settings
from notifications.main import create_app


def create_notifications_app(settings: Settings) -> FastAPI:
    """notifications's app on ``settings`` (e.g. the root conftest's ``settings_for("notifications")``)."""
    return create_app(settings)

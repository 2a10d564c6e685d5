"""Fixtures of the notifications tests: the app in-process on the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from kit_testing import app_client

from notifications.main import create_app


@pytest.fixture(scope="session")
async def notifications_api(settings_for) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The notifications app, started on the test database, and its in-process client."""
    async with app_client(create_app(settings_for("notifications"))) as client:
        yield client

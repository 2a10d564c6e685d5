"""Fixtures of the permits tests: the app in-process on the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from kit_testing import app_client

from permits.main import create_app


@pytest.fixture(scope="session")
async def permits_api(settings_for) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The permits app, started on the test database, and its in-process client."""
    async with app_client(create_app(settings_for("permits"))) as client:
        yield client

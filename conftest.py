"""Fixtures for every test: one real PostgreSQL per run, migrated once.

With DATABASE_URL set, a fresh database is created on that server (and
dropped at the end); otherwise an embedded PostgreSQL is started in a
temporary directory and stopped at the end.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from kit.embedded_pg import create_database, drop_database, embedded_server, fresh_database_name
from kit.migrations import migrate


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield configured
        return
    with embedded_server() as url:
        yield url


@pytest.fixture(scope="session")
def empty_database_url(pg_server_url: str) -> Iterator[str]:
    """A new, empty database on the test server (for migration tests)."""
    name = fresh_database_name("panjereh_empty")
    url = asyncio.run(create_database(pg_server_url, name))
    yield url
    asyncio.run(drop_database(pg_server_url, name))


@pytest.fixture(scope="session")
def database_url(pg_server_url: str) -> Iterator[str]:
    """A new database with every service migrated to head."""
    name = fresh_database_name()
    url = asyncio.run(create_database(pg_server_url, name))
    migrate(url)
    yield url
    asyncio.run(drop_database(pg_server_url, name))


IDENTITY_TEST_KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # 32 bytes, tests only


@pytest.fixture(scope="session")
def settings_for(database_url: str):  # type: ignore[no-untyped-def]
    """``settings_for("orders", **overrides)``: a service's Settings on the test database."""
    import importlib

    def build(service: str, **overrides: object):  # type: ignore[no-untyped-def]
        config = importlib.import_module(f"{service}.config")
        values: dict[str, object] = {
            "database_url": database_url,
            "sandbox": False,
            "log_level": "WARNING",
            "gc_tuning": False,
        }
        if service == "identity":
            values["key_encryption_key"] = IDENTITY_TEST_KEK
            values["ownership_adapter"] = "sandbox"  # outside the sandbox it must be named
            values["company_registry_adapter"] = "sandbox"  # else every registry inquiry is 503
            # Every test client calls from 127.0.0.1, one SMS budget for the whole run;
            # the per-requester limit is tested with its own small value.
            values["sms_max_per_requester_per_hour"] = 10_000
        values.update(overrides)
        return config.Settings(**values)

    return build

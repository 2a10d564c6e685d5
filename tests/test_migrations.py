"""Every service migrates from empty to head and back, its models match its
migrations, and a service refuses to start on a schema not at head."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from kit_testing import app_client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kit.db import DatabaseNotAtHead, migration_head
from kit.embedded_pg import create_database, drop_database, fresh_database_name
from kit.migrations import downgrade, migrate, service_dir
from kit.registry import registry
from kit.settings import async_database_url


async def _tables(url: str, schema: str) -> set[str]:
    engine = create_async_engine(async_database_url(url))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            )
            return {r[0] for r in rows}
    finally:
        await engine.dispose()


async def _diff(url: str, service: str) -> list:
    metadata = importlib.import_module(f"{registry()[service].package}.models").metadata
    engine = create_async_engine(async_database_url(url))

    def compare(conn):  # type: ignore[no-untyped-def]
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, _p: type_ != "schema" or name == service,
                "version_table_schema": service,
                "compare_type": True,
            },
        )
        return compare_metadata(ctx, metadata)

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", registry().names)
async def test_upgrade_to_head_then_downgrade_to_base(empty_database_url: str, service: str) -> None:
    await asyncio.to_thread(migrate, empty_database_url, [service])
    tables = await _tables(empty_database_url, service)
    assert "alembic_version" in tables, "version table lives in the service's own schema"
    assert "idempotency_keys" in tables
    assert await _diff(empty_database_url, service) == [], "models and migrations disagree"

    await asyncio.to_thread(downgrade, empty_database_url, service)
    assert await _tables(empty_database_url, service) == {"alembic_version"}
    await asyncio.to_thread(migrate, empty_database_url, [service])  # and up again


async def test_service_refuses_to_start_when_not_at_head(pg_server_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    name = fresh_database_name("panjereh_behind")
    url = await create_database(pg_server_url, name)
    try:
        app = importlib.import_module("orders.main").create_app(settings_for("orders", database_url=url))
        with pytest.raises(DatabaseNotAtHead, match="make migrate"):
            async with app_client(app):
                pass
    finally:
        await drop_database(pg_server_url, name)


@pytest.mark.parametrize("service", registry().names)
async def test_ready_reports_the_head(settings_for, service: str) -> None:  # type: ignore[no-untyped-def]
    app = importlib.import_module(f"{registry()[service].package}.main").create_app(settings_for(service))
    async with app_client(app) as client:
        health = await client.get("/health")
        ready = await client.get("/ready")
    assert health.json() == {"status": "ok", "service": service}
    assert ready.status_code == 200
    assert ready.json()["migration"] == migration_head(service_dir(service))

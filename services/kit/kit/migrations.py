"""Migrations: the body of every service's ``migrations/env.py``, and running
them for every service (``make migrate``, ``make run``, the tests).

Each service migrates only its own schema, keeps its ``alembic_version``
table inside that schema, and creates the schema when it is missing.
``DATABASE_URL`` (or ``-x url=...``) names the database.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from alembic import command, context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from kit.db import alembic_config
from kit.registry import registry
from kit.settings import async_database_url


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("DATABASE_URL", "")
    if not url:
        raise RuntimeError("DATABASE_URL is not set: say which database to migrate.")
    return async_database_url(url)


def migration_lock_key(schema: str) -> int:
    """A stable signed 64-bit advisory-lock key per schema."""
    digest = hashlib.sha256(f"panjereh-migrate:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _configure(connection: Connection, metadata: MetaData, schema: str) -> None:
    # Runners that start together (pods in a rollout, make run beside a test)
    # take turns: the first migrates, the next finds the schema at head.
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": migration_lock_key(schema)})
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _online(metadata: MetaData, schema: str) -> None:
    engine = create_async_engine(_url())
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_configure, metadata, schema)
            await conn.commit()
    finally:
        await engine.dispose()


def run_migrations(metadata: MetaData, schema: str) -> None:
    if context.is_offline_mode():
        context.configure(
            url=_url(), target_metadata=metadata, version_table_schema=schema, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection, metadata, schema)
    else:
        asyncio.run(_online(metadata, schema))


def service_dir(name: str) -> Path:
    """``services/<name>``: its ``alembic.ini`` and ``migrations/``."""
    return registry()[name].directory


def _alembic(action: str, name: str, database_url: str, revision: str) -> None:
    """Run ``alembic upgrade|downgrade`` for one service against ``database_url``.

    In a fresh thread: the services' env.py calls asyncio.run, which a thread
    with a running event loop (an async test) cannot do.
    """
    cfg = alembic_config(service_dir(name))
    cfg.cmd_opts = argparse.Namespace(x=[f"url={database_url}"])
    errors: list[BaseException] = []

    def target() -> None:
        try:
            getattr(command, action)(cfg, revision)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def migrate(database_url: str, services: Iterable[str] | None = None, revision: str = "head") -> None:
    """Upgrade ``services`` (default: every service in the registry) to ``revision``."""
    for name in registry().names if services is None else services:
        _alembic("upgrade", name, database_url, revision)


def downgrade(database_url: str, name: str, revision: str = "base") -> None:
    _alembic("downgrade", name, database_url, revision)

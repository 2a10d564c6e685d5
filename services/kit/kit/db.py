"""Async engine on asyncpg, the per-request session, and the migration-head check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import Depends, Request
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from kit.runtime import runtime
from kit.settings import ServiceSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    """The MetaData of one service: its own schema and stable constraint names."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    if not settings.database_url:
        raise RuntimeError(
            "DATABASE_URL is not set. Use `make run` (it starts an embedded PostgreSQL) "
            "or point DATABASE_URL at a PostgreSQL server."
        )
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        connect_args={"server_settings": {"application_name": f"panjereh-{settings.service_name}"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit on success, roll back on error.

    Runs with ``scope="function"`` so the commit happens before the response is
    sent: a failed commit becomes a 500, never a 201 for data that was lost.
    When an enclosing unit of work (idempotent POST) already opened a session,
    that one is reused and its owner commits.
    """
    owned = unit_of_work(request)
    if owned is not None:
        yield owned
        return
    session: AsyncSession = runtime(request).sessionmaker()
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        await session.close()


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under ``session``, inside its transaction (begun if need be).

    For a statement whose rows are read faster as asyncpg records than as ORM
    objects, while it still sees (and is part of) the session's unit of work.
    """
    connection = await session.connection()
    driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        await connection.exec_driver_sql("SELECT 1")  # SQLAlchemy begins its transaction lazily
    return driver


@asynccontextmanager
async def statement_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """An asyncpg connection for a request whose work is one statement: the idempotent
    unit of work's transaction when the request carries an ``Idempotency-Key``, else a
    pooled connection outside any transaction (PostgreSQL makes one statement atomic by
    itself).

    The hot paths use it (bench/orders): an ORM session costs a BEGIN and a COMMIT round
    trip and ~1 ms of Python a request before any work is done, and a checkout through
    ``AsyncEngine.connect()`` ~90 µs against ~20 µs for ``raw_connection()``.
    """
    owned = unit_of_work(request)
    if owned is not None:
        yield await driver_connection(owned)
        return
    rt = runtime(request)
    async with rt.connection_gate:
        pooled = await rt.engine.raw_connection()
        try:
            yield pooled.driver_connection
        except asyncpg.PostgresError:
            raise  # the server answered: the connection is sound
        except BaseException:
            pooled.invalidate()  # cancelled or broken mid-statement: never hand it out again
            raise
        finally:
            pooled.close()


def connection_gate(settings: ServiceSettings) -> asyncio.Semaphore:
    """First come, first served for the pool's connections on the hot paths.

    SQLAlchemy's async pool waits on an ``asyncio.Queue``, where a newcomer can take the
    connection just handed to a waiter, which then queues again at the back: with more
    requests in flight than connections some waited hundreds of milliseconds (bench/orders
    p99). An ``asyncio.Semaphore`` queues newcomers behind the waiters.
    """
    return asyncio.Semaphore(settings.db_pool_size + settings.db_max_overflow)


def unit_of_work(request: Request) -> AsyncSession | None:
    """The session of the idempotent unit of work the request runs in, if any.

    Read from the request's state dict: ``getattr(request.state, ..., None)`` raises and
    catches an AttributeError on every request that has none (30 times slower).
    """
    state: dict[str, Any] = request.scope.get("state", {})
    return state.get("db_session")


class DatabaseNotAtHead(RuntimeError):
    """The schema is behind (or ahead of) the code: run the migrations first."""


def alembic_config(service_dir: Path) -> Config:
    cfg = Config(str(service_dir / "alembic.ini"))
    cfg.set_main_option("script_location", str(service_dir / "migrations"))
    return cfg


def migration_head(service_dir: Path) -> str:
    heads = ScriptDirectory.from_config(alembic_config(service_dir)).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"{service_dir.name} has {len(heads)} migration heads; merge them")
    return heads[0]


async def current_revision(engine: AsyncEngine, schema: str) -> str | None:
    async with engine.connect() as conn:
        exists = await conn.scalar(
            text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema}.alembic_version"}
        )
        if not exists:
            return None
        # The schema name is the service's own constant, never user input.
        return await conn.scalar(text(f'SELECT version_num FROM "{schema}".alembic_version'))  # noqa: S608


async def assert_at_head(engine: AsyncEngine, schema: str, expected: str) -> None:
    actual = await current_revision(engine, schema)
    if actual != expected:
        raise DatabaseNotAtHead(
            f"The {schema} schema is at migration {actual or 'none (empty)'} but the code needs "
            f"{expected}. Run `make migrate` (or `alembic -c services/{schema}/alembic.ini "
            "upgrade head`) before starting the service."
        )

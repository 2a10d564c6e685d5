"""Async engine on asyncpg, the per-request session, and the migration-head check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import Depends, Request
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

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
    owned: AsyncSession | None = getattr(request.state, "db_session", None)
    if owned is not None:
        yield owned
        return
    session: AsyncSession = request.app.state.sessionmaker()
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        await session.close()


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


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

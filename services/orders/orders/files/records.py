"""The statements of the order-file hot paths, on asyncpg directly (bench/orders).

A file is read with its lines and fees in one round trip (the lines and fees come back as
arrays of rows), and a new draft is written, its seller checked and its history begun in one
statement. Records are read by attribute through ``Row``: building ORM objects cost ~60 µs
each and the session's BEGIN/COMMIT two more round trips, most of a read's time.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg


class Row:
    """A record read by attribute, where the views and access checks expect an ORM object."""

    __slots__ = ("_record",)

    def __init__(self, record: Mapping[str, Any]) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        try:
            return self._record[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True, slots=True)
class FileDetails:
    """A file as the API shows it: the file, its lines (oldest first) and its fees."""

    file: Row
    lines: list[Row]
    fees: list[Row]


_FILE_WITH_DETAILS = """
SELECT f.*,
       ARRAY(SELECT l FROM orders.order_file_lines AS l
             WHERE l.file_id = f.id ORDER BY l.created_at, l.id) AS lines,
       ARRAY(SELECT x FROM orders.order_file_fees AS x WHERE x.file_id = f.id ORDER BY x.id) AS fees
FROM orders.order_files AS f
WHERE f.id = $1
"""


async def file_with_details(conn: asyncpg.Connection, file_id: uuid.UUID) -> FileDetails | None:
    record = await conn.fetchrow(_FILE_WITH_DETAILS, file_id)
    if record is None:
        return None
    return FileDetails(
        file=Row(record),
        lines=[Row(line) for line in record["lines"]],
        fees=[Row(fee) for fee in record["fees"]],
    )


_SUMMARY = (
    "SELECT id, status, access_level, proforma_number, seller_fida_id, seller_name, total_amount, currency,"
    " expires_on, created_at FROM orders.order_files"
)


async def page_of_files(
    conn: asyncpg.Connection,
    *,
    owner: str,
    levels: list[str] | None,
    status: str | None,
    today: dt.date,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row]:
    """Up to ``limit`` of ``owner``'s files whose level is in ``levels`` (None: any), oldest
    first after the key ``after``, in ``status`` as the API shows it (an approved file past
    its expiry reads ``expired``). The index on (owner, created_at, id) keeps the cost
    independent of the table's size (bench/orders)."""
    args: list[Any] = [owner]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = ["owner = $1"]
    if levels is not None:
        where.append(f"access_level = ANY({arg(levels)}::text[])")
    if status == "expired":
        where.append(f"(status = 'expired' OR (status = 'approved' AND expires_on < {arg(today)}))")
    elif status == "approved":
        where.append(f"status = 'approved' AND (expires_on IS NULL OR expires_on >= {arg(today)})")
    elif status is not None:
        where.append(f"status = {arg(status)}")
    if after is not None:
        where.append(f"(created_at, id) > ({arg(after[0])}, {arg(after[1])})")
    sql = f"{_SUMMARY} WHERE {' AND '.join(where)} ORDER BY created_at, id LIMIT {arg(limit)}"
    return [Row(record) for record in await conn.fetch(sql, *args)]


# The fields the merchant gives (all but the access level may be edited on a draft).
GIVEN_FIELDS = (
    "kind",
    "proforma_number",
    "proforma_issued_on",
    "proforma_expires_on",
    "beneficiary_country",
    "seller_fida_id",
    "incoterm",
    "partial_shipment",
    "entry_border",
    "destination_customs",
    "transport_fleet",
    "total_amount",
    "currency",
    "transaction_type",
    "currency_source",
    "payment_method",
    "freight_amount",
)
# The columns a new draft is written with, in the order of the statement's parameters; the
# seller's name comes from the registry, the timestamps from the database.
DRAFT_COLUMNS = ("id", "owner", "status", "access_level", "version", "created_by", *GIVEN_FIELDS)
_SELLER = DRAFT_COLUMNS.index("seller_fida_id") + 1
_AFTER = len(DRAFT_COLUMNS)
_INSERT_DRAFT = f"""
WITH seller AS (
    SELECT name FROM orders.foreign_sellers WHERE fida_id = ${_SELLER} AND (NOT sandbox OR ${_AFTER + 1})
), file AS (
    INSERT INTO orders.order_files ({", ".join(DRAFT_COLUMNS)}, seller_name)
    SELECT {", ".join(f"${i}" for i in range(1, _AFTER + 1))}, seller.name FROM seller
    RETURNING *
), history AS (
    INSERT INTO orders.order_file_history
        (file_id, action, from_status, to_status, actor, principal, request_id, detail)
    SELECT file.id, h.action, h.from_status, h.to_status, ${_AFTER + 2}, file.owner, ${_AFTER + 3}, h.detail
    FROM file, unnest(${_AFTER + 4}::text[], ${_AFTER + 5}::text[], ${_AFTER + 6}::text[], ${_AFTER + 7}::jsonb[])
         AS h(action, from_status, to_status, detail)
)
SELECT * FROM file
"""  # noqa: S608 (the interpolated names are this module's constants)


@dataclass(frozen=True, slots=True)
class Event:
    """An entry of a file's history, written with the file."""

    action: str
    from_status: str | None = None
    to_status: str | None = None
    detail: Mapping[str, Any] | None = None


async def insert_draft(
    conn: asyncpg.Connection,
    values: Mapping[str, Any],
    *,
    include_sandbox_sellers: bool,
    actor: str,
    request_id: str | None,
    events: list[Event],
) -> Row | None:
    """The new draft (``values`` by ``DRAFT_COLUMNS``) with its ``events``; None, and nothing
    written, when the seller is not in the registry."""
    record = await conn.fetchrow(
        _INSERT_DRAFT,
        *(values[column] for column in DRAFT_COLUMNS),
        include_sandbox_sellers,
        actor,
        request_id,
        [e.action for e in events],
        [e.from_status for e in events],
        [e.to_status for e in events],
        [json.dumps(dict(e.detail or {})) for e in events],
    )
    return None if record is None else Row(record)

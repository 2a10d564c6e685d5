"""Keyset (cursor) pagination: stable order, cost independent of table size.

The cursor is opaque to clients: base64url of the last row's sort key. A page
is ``{"items": [...], "next": "<url or null>"}``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import InvalidCursor
from kit.urls import public_url

T = TypeVar("T")
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None


class PageParams(BaseModel):
    limit: int = 50
    cursor: str | None = None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-100).")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=512, description="The `next` cursor of the previous page.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([str(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("The cursor is not one this API issued.") from exc
    if not isinstance(values, list) or len(values) != arity or not all(isinstance(v, str) for v in values):
        raise InvalidCursor("The cursor is not one this API issued.")
    return values


def _typed(column: ColumnElement[Any], value: str) -> Any:
    python_type = column.type.python_type
    try:
        if python_type is datetime:
            return datetime.fromisoformat(value)
        return python_type(value)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor("The cursor is not one this API issued.") from exc


async def fetch_page(
    session: AsyncSession, stmt: Select[Any], *, order_by: Sequence[ColumnElement[Any]], params: PageParams
) -> list[Any]:
    """The rows of ``stmt`` ordered by ``order_by`` (unique together) after the cursor, up to
    ``params.limit + 1`` (the extra one tells ``page_of`` a next page exists). A repository knows
    no request: the api builds the page and its ``next`` link with ``page_of``. Cursor values are
    compared as the columns' own types (cast by the database)."""
    if params.cursor:
        values = decode_cursor(params.cursor, len(order_by))
        typed = [_typed(col, v) for col, v in zip(order_by, values, strict=True)]
        stmt = stmt.where(tuple_(*order_by) > tuple_(*typed))
    return list((await session.scalars(stmt.order_by(*order_by).limit(params.limit + 1))).all())


def page_of(
    rows: list[T], *, params: PageParams, request: Request, key_of: Any
) -> tuple[list[T], str | None]:
    """The page in ``rows`` (fetched with ``params.limit + 1`` rows, the extra one telling a
    next page exists) and the URL of the next page, if any."""
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    cursor = encode_cursor(key_of(rows[-1]))
    return rows, str(public_url(request).include_query_params(cursor=cursor, limit=params.limit))

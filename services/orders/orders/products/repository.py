"""Every product-ID query.

``product(session, product_id)`` is the function the rest of the orders
service uses to look an issued product up (e.g. a car order checks that the
product carries the car's VIN).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, String, delete, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import array, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageParams, fetch_page
from orders.products.models import (
    Product,
    ProductAttributeValue,
    ProductHeading,
    ProductRequest,
    ProductRequestAttachment,
    ProductRequestEvent,
    product_id_serial,
)
from orders.reference.text import normalise


def _like_terms(column: Any, text: str) -> list[ColumnElement[bool]]:
    """One ILIKE per word of ``text`` (normalised; wildcards escaped)."""
    escaped = (
        t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for t in normalise(text).split()
    )
    return [column.ilike(f"%{t}%", escape="\\") for t in escaped]


# ------------------------------------------------------------------ products


async def product(session: AsyncSession, product_id: str) -> Product | None:
    """The issued product ``product_id`` (13 digits), or None. ``product.vin`` is a car's VIN,
    ``product.hs_code`` its tariff line, ``product.heading_id`` its heading."""
    return await session.get(Product, product_id)


async def product_by_fingerprint(session: AsyncSession, fingerprint: str) -> Product | None:
    return await session.scalar(select(Product).where(Product.fingerprint == fingerprint))


async def next_product_serial(session: AsyncSession) -> int:
    return int(await session.scalar(select(product_id_serial.next_value())))


async def insert_product(session: AsyncSession, values: dict[str, Any]) -> Product | None:
    """The new product, or None when a product with the same fingerprint exists (a race)."""
    stmt = (
        insert(Product)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["fingerprint"])
        .returning(Product)
    )
    return await session.scalar(stmt, execution_options={"populate_existing": True})


async def products_page(
    session: AsyncSession,
    params: PageParams,
    *,
    gtin: str | None,
    vin: str | None,
    irancode: str | None,
    hs_code: str | None,
    heading: str | None,
    q: str | None,
) -> list[Product]:
    """The products matching every given filter, in ID order: a page (``fetch_page``)."""
    stmt: Select[Any] = select(Product)
    if gtin:
        stmt = stmt.where(Product.gtin == gtin)
    if vin:
        stmt = stmt.where(Product.vin == vin)
    if irancode:
        stmt = stmt.where(Product.irancode == irancode)
    if hs_code:
        stmt = stmt.where(Product.hs_code == hs_code)
    if heading:
        stmt = stmt.where(Product.heading_id == heading)
    if q:
        stmt = stmt.where(*_like_terms(Product.search_text, q))
    return await fetch_page(session, stmt, order_by=[Product.product_id], params=params)


# ------------------------------------------------------------------ headings


async def heading(session: AsyncSession, heading_id: str) -> ProductHeading | None:
    return await session.get(ProductHeading, heading_id)


async def headings_page(
    session: AsyncSession,
    params: PageParams,
    *,
    q: str | None,
    hs_code: str | None,
    isic: str | None,
) -> list[ProductHeading]:
    stmt: Select[Any] = select(ProductHeading)
    if q:
        stmt = stmt.where(*_like_terms(ProductHeading.search_text, q))
    if hs_code:
        # A heading matches when one of its prefixes and the given code are prefixes of each other.
        prefix = func.unnest(ProductHeading.tariff_prefixes).column_valued("prefix")
        given = literal(hs_code)
        stmt = stmt.where(exists(select(1).where(or_(prefix.startswith(given), given.startswith(prefix)))))
    if isic:
        stmt = stmt.where(ProductHeading.isic_codes.op("@>")(array([literal(isic, String)])))  # GIN-indexed
    return await fetch_page(session, stmt, order_by=[ProductHeading.id], params=params)


async def attribute_values(
    session: AsyncSession, heading_ids: Sequence[str]
) -> dict[str, dict[str, list[ProductAttributeValue]]]:
    """{heading id: {attribute key: values in order}}."""
    rows = await session.scalars(
        select(ProductAttributeValue)
        .where(ProductAttributeValue.heading_id.in_(list(heading_ids)))
        .order_by(
            ProductAttributeValue.heading_id, ProductAttributeValue.attribute, ProductAttributeValue.position
        )
    )
    out: dict[str, dict[str, list[ProductAttributeValue]]] = {h: {} for h in heading_ids}
    for row in rows:
        out[row.heading_id].setdefault(row.attribute, []).append(row)
    return out


async def add_attribute_value(session: AsyncSession, value: ProductAttributeValue) -> None:
    session.add(value)
    await session.flush()


# ------------------------------------------------------------------ requests


async def product_request(
    session: AsyncSession, request_id: uuid.UUID, *, lock: bool = False
) -> ProductRequest | None:
    stmt = select(ProductRequest).where(ProductRequest.id == request_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def delete_attachments(session: AsyncSession, request_id: uuid.UUID) -> None:
    await session.execute(
        delete(ProductRequestAttachment).where(ProductRequestAttachment.request_id == request_id)
    )


async def attachments(
    session: AsyncSession, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ProductRequestAttachment]]:
    """Attachments by request (without their content)."""
    rows = await session.execute(
        select(
            ProductRequestAttachment.id,
            ProductRequestAttachment.request_id,
            ProductRequestAttachment.kind,
            ProductRequestAttachment.file_name,
            ProductRequestAttachment.media_type,
            ProductRequestAttachment.size,
            ProductRequestAttachment.sha256,
        )
        .where(ProductRequestAttachment.request_id.in_(list(request_ids)))
        .order_by(ProductRequestAttachment.created_at, ProductRequestAttachment.id)
    )
    out: dict[uuid.UUID, list[Any]] = {r: [] for r in request_ids}
    for row in rows:
        out[row.request_id].append(row)
    return out


async def products_by_id(session: AsyncSession, product_ids: Sequence[str]) -> dict[str, Product]:
    if not product_ids:
        return {}
    rows = await session.scalars(select(Product).where(Product.product_id.in_(list(product_ids))))
    return {p.product_id: p for p in rows}


async def requests_page(
    session: AsyncSession,
    params: PageParams,
    *,
    requested_for: str | None,
    state: str | None,
    sent_only: bool = False,
) -> list[ProductRequest]:
    """A page of requests: of ``requested_for`` (None: everyone's), in ``state``, without the
    drafts when ``sent_only`` (what a supervisor sees)."""
    stmt: Select[Any] = select(ProductRequest)
    if sent_only:
        stmt = stmt.where(ProductRequest.state != "not-sent")
    if requested_for is not None:
        stmt = stmt.where(ProductRequest.requested_for == requested_for)
    if state:
        stmt = stmt.where(ProductRequest.state == state)
    return await fetch_page(session, stmt, order_by=[ProductRequest.id], params=params)


async def add_event(session: AsyncSession, event: ProductRequestEvent) -> None:
    session.add(event)


async def event_actors(session: AsyncSession, request_id: uuid.UUID, actions: Sequence[str]) -> set[str]:
    """Who did any of ``actions`` on the request (its audit trail)."""
    rows = await session.scalars(
        select(ProductRequestEvent.actor).where(
            ProductRequestEvent.request_id == request_id, ProductRequestEvent.action.in_(actions)
        )
    )
    return set(rows)

"""Every query of the order-registration files."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from fastapi import Request
from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageParams, paginate
from orders.files.models import (
    ExchangeRate,
    OrderAttachment,
    OrderFee,
    OrderFile,
    OrderFileEvent,
    OrderLine,
)


async def file(session: AsyncSession, file_id: uuid.UUID, *, lock: bool = False) -> OrderFile | None:
    stmt = select(OrderFile).where(OrderFile.id == file_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def lines(session: AsyncSession, file_id: uuid.UUID) -> list[OrderLine]:
    stmt = select(OrderLine).where(OrderLine.file_id == file_id).order_by(OrderLine.created_at, OrderLine.id)
    return list((await session.scalars(stmt)).all())


async def line(session: AsyncSession, file_id: uuid.UUID, line_id: uuid.UUID) -> OrderLine | None:
    return await session.scalar(
        select(OrderLine).where(OrderLine.file_id == file_id, OrderLine.id == line_id)
    )


async def delete_line(session: AsyncSession, line: OrderLine) -> None:
    await session.execute(delete(OrderLine).where(OrderLine.id == line.id))


async def lines_total(session: AsyncSession, file_id: uuid.UUID) -> Decimal:
    total = await session.scalar(
        select(func.coalesce(func.sum(OrderLine.value), 0)).where(OrderLine.file_id == file_id)
    )
    return Decimal(total)


async def fees(session: AsyncSession, file_id: uuid.UUID) -> list[OrderFee]:
    stmt = select(OrderFee).where(OrderFee.file_id == file_id).order_by(OrderFee.id)
    return list((await session.scalars(stmt)).all())


async def history(
    session: AsyncSession, file_id: uuid.UUID, action: str | None = None
) -> list[OrderFileEvent]:
    stmt = select(OrderFileEvent).where(OrderFileEvent.file_id == file_id)
    if action is not None:
        stmt = stmt.where(OrderFileEvent.action == action)
    return list((await session.scalars(stmt.order_by(OrderFileEvent.id))).all())


async def attachments(session: AsyncSession, file_id: uuid.UUID) -> list[OrderAttachment]:
    stmt = (
        select(OrderAttachment)
        .where(OrderAttachment.file_id == file_id)
        .order_by(OrderAttachment.created_at, OrderAttachment.id)
    )
    return list((await session.scalars(stmt)).all())


async def attachment(
    session: AsyncSession, file_id: uuid.UUID, attachment_id: uuid.UUID
) -> OrderAttachment | None:
    return await session.scalar(
        select(OrderAttachment).where(OrderAttachment.file_id == file_id, OrderAttachment.id == attachment_id)
    )


async def rate(session: AsyncSession, currency: str, day: dt.date) -> Decimal | None:
    """Rials per unit of ``currency`` in force on ``day`` (the latest row from that day back)."""
    stmt = (
        select(ExchangeRate.rials_per_unit)
        .where(ExchangeRate.currency == currency, ExchangeRate.valid_from <= day)
        .order_by(ExchangeRate.valid_from.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


def _status_filter(status: str, today: dt.date) -> ColumnElement[bool]:
    """``status`` as the API shows it: an approved file past its expiry reads ``expired``."""
    lapsed = and_(OrderFile.status == "approved", OrderFile.expires_on < today)
    if status == "expired":
        return or_(OrderFile.status == "expired", lapsed)
    if status == "approved":
        return and_(
            OrderFile.status == "approved", or_(OrderFile.expires_on.is_(None), OrderFile.expires_on >= today)
        )
    return OrderFile.status == status


async def page_of_files(
    session: AsyncSession,
    *,
    owner: str,
    levels: list[str] | None,
    status: str | None,
    today: dt.date,
    params: PageParams,
    request: Request,
) -> tuple[list[OrderFile], str | None]:
    """A page of ``owner``'s files whose level is in ``levels`` (None: any), oldest first."""
    stmt = select(OrderFile).where(OrderFile.owner == owner)
    if levels is not None:
        stmt = stmt.where(OrderFile.access_level.in_(levels))
    if status is not None:
        stmt = stmt.where(_status_filter(status, today))
    return await paginate(
        session,
        stmt,
        order_by=[OrderFile.created_at, OrderFile.id],
        params=params,
        request=request,
        key_of=lambda f: (f.created_at.isoformat(), f.id),
    )


async def page_under_review(
    session: AsyncSession, *, params: PageParams, request: Request
) -> tuple[list[OrderFile], str | None]:
    """A page of every file waiting for an officer, oldest first."""
    return await paginate(
        session,
        select(OrderFile).where(OrderFile.status == "under-review"),
        order_by=[OrderFile.created_at, OrderFile.id],
        params=params,
        request=request,
        key_of=lambda f: (f.created_at.isoformat(), f.id),
    )


async def lapsed_files(session: AsyncSession, today: dt.date) -> list[OrderFile]:
    """Approved files whose validity ended before ``today``, locked (skipping ones being changed)."""
    stmt = (
        select(OrderFile)
        .where(OrderFile.status == "approved", OrderFile.expires_on < today)
        .order_by(OrderFile.expires_on, OrderFile.id)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())

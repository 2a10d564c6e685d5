"""Every query of the order-registration files."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.pagination import PageParams, fetch_page
from orders.files.models import (
    ExchangeRate,
    OrderAttachment,
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


async def rates(session: AsyncSession) -> list[ExchangeRate]:
    """Every stored exchange rate, newest first per currency."""
    stmt = select(ExchangeRate).order_by(ExchangeRate.currency, ExchangeRate.valid_from.desc())
    return list((await session.scalars(stmt)).all())


async def page_under_review(session: AsyncSession, *, params: PageParams) -> list[OrderFile]:
    """A page of every file waiting for an officer, oldest first (``fetch_page``)."""
    return await fetch_page(
        session,
        select(OrderFile).where(OrderFile.status == "under-review"),
        order_by=[OrderFile.created_at, OrderFile.id],
        params=params,
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

"""Queries of the car import."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.cars.models import CaseInquiry, MikhakCase, MikhakMessage


async def case(session: AsyncSession, case_id: str, *, for_update: bool = False) -> MikhakCase | None:
    stmt = select(MikhakCase).where(MikhakCase.case_id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def blocking_case(session: AsyncSession, national_code: str, *, other_than: str) -> MikhakCase | None:
    """Another case of the person that takes their one car: eligible, not rejected, not revoked."""
    stmt = select(MikhakCase).where(
        MikhakCase.national_code == national_code,
        MikhakCase.case_id != other_than,
        MikhakCase.eligible.is_(True),
        MikhakCase.status != "rejected",
        MikhakCase.revoked_at.is_(None),
    )
    return await session.scalar(stmt.limit(1))


async def messages(session: AsyncSession, case_id: str) -> list[MikhakMessage]:
    stmt = select(MikhakMessage).where(MikhakMessage.case_id == case_id).order_by(MikhakMessage.id)
    return list((await session.scalars(stmt)).all())


async def successful_inquiry(
    session: AsyncSession,
    subject: str,
    *,
    vin: str | None = None,
    case_id: str | None = None,
    inquiry_id: uuid.UUID | None = None,
) -> tuple[CaseInquiry, MikhakCase] | None:
    """The caller's latest successful inquiry (for the car by VIN, the case, or by its ID) with
    its case, while the case stays approved, eligible and unrevoked."""
    stmt = (
        select(CaseInquiry, MikhakCase)
        .join(MikhakCase, MikhakCase.case_id == CaseInquiry.case_id)
        .where(
            CaseInquiry.subject == subject,
            CaseInquiry.result == "succeeded",
            MikhakCase.status == "approved",
            MikhakCase.eligible.is_(True),
            MikhakCase.revoked_at.is_(None),
        )
        .order_by(CaseInquiry.created_at.desc())
        .limit(1)
    )
    if vin is not None:
        stmt = stmt.where(CaseInquiry.vin == vin)
    if case_id is not None:
        stmt = stmt.where(CaseInquiry.case_id == case_id)
    if inquiry_id is not None:
        stmt = stmt.where(CaseInquiry.id == inquiry_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])

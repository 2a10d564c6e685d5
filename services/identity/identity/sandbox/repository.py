"""Queries of the sandbox: the SMS outbox, and what the fake mobile-ownership inquiry and companies registry answer."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.models import SmsMessage
from identity.sandbox.models import SandboxCompany, SandboxMobileOwner


async def sms_sent_to(session: AsyncSession, mobile: str, limit: int) -> list[SmsMessage]:
    rows = await session.scalars(
        select(SmsMessage).where(SmsMessage.mobile == mobile).order_by(SmsMessage.id.desc()).limit(limit)
    )
    return list(rows)


async def set_sandbox_owner(session: AsyncSession, mobile: str, national_code: str) -> None:
    await session.execute(
        insert(SandboxMobileOwner)
        .values(mobile=mobile, national_code=national_code)
        .on_conflict_do_update(
            index_elements=[SandboxMobileOwner.mobile], set_={"national_code": national_code}
        )
    )


async def clear_sandbox_owner(session: AsyncSession, mobile: str) -> None:
    await session.execute(delete(SandboxMobileOwner).where(SandboxMobileOwner.mobile == mobile))


async def set_sandbox_company(session: AsyncSession, company: SandboxCompany) -> None:
    values = {
        "national_id": company.national_id,
        "name": company.name,
        "registration_number": company.registration_number,
        "status": company.status,
        "manager_national_codes": company.manager_national_codes,
    }
    await session.execute(
        insert(SandboxCompany)
        .values(**values)
        .on_conflict_do_update(index_elements=[SandboxCompany.national_id], set_=values)
    )


async def clear_sandbox_company(session: AsyncSession, national_id: str) -> None:
    await session.execute(delete(SandboxCompany).where(SandboxCompany.national_id == national_id))

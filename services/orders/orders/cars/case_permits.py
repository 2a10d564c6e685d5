"""The case permit (مجوز موردی) of the Iranians-abroad car import, behind one interface.

The permits service will own case permits; until then ``LocalCasePermits`` answers from the
Mikhak cases orders keeps. Everything else in orders (the inquiry endpoint, the car order) goes
through ``CasePermits`` and the ``CasePermitInquiry`` it returns, never through the tables, so
swapping in a permits-service client changes this module only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from kit.clock import now_utc
from kit.request_context import current_request_id
from orders.cars import repository
from orders.cars.exceptions import (
    ApprovalNotReceived,
    MikhakCaseNotFound,
    MikhakCaseRejected,
    MikhakCaseRevoked,
    NotEligible,
)
from orders.cars.models import CaseInquiry, MikhakCase


@dataclass(frozen=True, slots=True)
class CasePermitInquiry:
    """A successful inquiry: the applicant's approved car."""

    id: uuid.UUID
    case_id: str
    subject: str
    vin: str
    brand: str
    model: str
    manufacture_date: dt.date
    registration_open_until: dict[str, str]
    created_at: dt.datetime


class CasePermits(Protocol):
    async def inquire(
        self, session: AsyncSession, *, case_id: str, subject: str, national_code: str
    ) -> CasePermitInquiry:
        """Record a successful inquiry, or raise the refusal (a ProblemError) saying why."""
        ...

    async def successful_inquiry(
        self, session: AsyncSession, *, subject: str, vin: str | None = None, case_id: str | None = None
    ) -> CasePermitInquiry | None:
        """The subject's successful inquiry for the car or case, while the case still stands."""
        ...

    async def inquiry(
        self, session: AsyncSession, *, subject: str, inquiry_id: uuid.UUID
    ) -> CasePermitInquiry | None:
        """One of the subject's successful inquiries, while its case still stands."""
        ...


def _inquiry(row: CaseInquiry, case: MikhakCase) -> CasePermitInquiry:
    car = case.content["car"]
    return CasePermitInquiry(
        id=row.id,
        case_id=row.case_id,
        subject=row.subject,
        vin=case.vin,
        brand=car["brand"],
        model=car["model"],
        manufacture_date=dt.date.fromisoformat(car["manufacture_date"]),
        registration_open_until=case.eligibility["registration_open_until"],
        created_at=row.created_at,
    )


class LocalCasePermits:
    """Case permits answered from the Mikhak cases in orders' own schema."""

    async def inquire(
        self, session: AsyncSession, *, case_id: str, subject: str, national_code: str
    ) -> CasePermitInquiry:
        case = await repository.case(session, case_id)
        if case is None or case.national_code != national_code:
            raise MikhakCaseNotFound(
                case_id,
                "#/body/mikhak_case_id",
                f"No case {case_id} of your national code has arrived from Mikhak. Enter the car in Mikhak "
                "and have the embassy or consulate approve it first.",
            )
        if case.revoked_at is not None:
            raise MikhakCaseRevoked(case_id, case.revocation_reason, "#/body/mikhak_case_id")
        if case.status == "submitted":
            raise ApprovalNotReceived(case_id)
        if case.status == "rejected":
            raise MikhakCaseRejected(case_id)
        if not case.eligible:
            raise NotEligible(case_id, case.eligibility["reasons"])
        row = CaseInquiry(
            id=uuid.uuid4(),
            case_id=case_id,
            subject=subject,
            national_code=national_code,
            vin=case.vin,
            result="succeeded",
            request_id=current_request_id(),
            created_at=now_utc(),
        )
        session.add(row)
        await session.flush()
        return _inquiry(row, case)

    async def successful_inquiry(
        self, session: AsyncSession, *, subject: str, vin: str | None = None, case_id: str | None = None
    ) -> CasePermitInquiry | None:
        found = await repository.successful_inquiry(session, subject, vin=vin, case_id=case_id)
        return None if found is None else _inquiry(*found)

    async def inquiry(
        self, session: AsyncSession, *, subject: str, inquiry_id: uuid.UUID
    ) -> CasePermitInquiry | None:
        found = await repository.successful_inquiry(session, subject, inquiry_id=inquiry_id)
        return None if found is None else _inquiry(*found)


case_permits: CasePermits = LocalCasePermits()

"""Tables of the Iranians-abroad car import: Mikhak cases, every Mikhak message, and the
applicants' case-permit inquiries."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base


class MikhakCase(Base):
    """A car-import case as Mikhak last sent it, with the eligibility judged on its arrival.

    One car per person: at most one unrevoked, eligible, not rejected case per national code
    (the partial unique index backs the service's check against races)."""

    __tablename__ = "mikhak_cases"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'approved', 'rejected')", name="status_known"),
        Index(
            "uq_mikhak_cases_one_car_per_person",
            "national_code",
            unique=True,
            postgresql_where=text("eligible AND status <> 'rejected' AND revoked_at IS NULL"),
        ),
    )

    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    national_code: Mapped[str] = mapped_column(String(10), index=True)
    vin: Mapped[str] = mapped_column(String(17), index=True)
    status: Mapped[str] = mapped_column(String(10))
    content: Mapped[dict[str, Any]] = mapped_column(JSONB, doc="The case as received (canonical JSON).")
    eligible: Mapped[bool] = mapped_column(Boolean)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSONB, doc="Result, brand check and trace.")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    received_from: Mapped[str] = mapped_column(String(300))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MikhakMessage(Base):
    """Every message received from Mikhak, whatever came of it (refused ones included)."""

    __tablename__ = "mikhak_messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_from: Mapped[str] = mapped_column(String(300))
    request_id: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CaseInquiry(Base):
    """An applicant's case-permit inquiry and its result (successful or refused, with why)."""

    __tablename__ = "car_case_inquiries"
    __table_args__ = (
        CheckConstraint("result IN ('succeeded', 'refused')", name="result_known"),
        Index("ix_car_case_inquiries_subject_case", "subject", "case_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    case_id: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    national_code: Mapped[str | None] = mapped_column(String(10))
    vin: Mapped[str | None] = mapped_column(String(17), index=True)
    result: Mapped[str] = mapped_column(String(10))
    refusal_code: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

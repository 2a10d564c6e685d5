"""Order-registration files (پرونده ثبت سفارش), their tariff lines, fees, attachments and history,
and the stored exchange rates the fee and the first-year cap use."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base

STATUSES = ("draft", "submitted", "under-review", "approved", "rejected", "expired", "cancelled")
LEVELS = ("very-limited", "limited", "medium", "full")
# commercial: a merchant's order; personal-car: an Iranian living abroad importing their own car
# (seed 001: the base-natural role, "no currency transfer", a case-permit inquiry per car line).
KINDS = ("commercial", "personal-car")
MONEY = Numeric(20, 4)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


class OrderFile(Base):
    """An order-registration file of a merchant (``owner``, a ``user:``/``legal:`` subject)."""

    __tablename__ = "order_files"
    __table_args__ = (
        _one_of("status", STATUSES),
        _one_of("access_level", LEVELS),
        _one_of("kind", KINDS),
        CheckConstraint("validity_months IS NULL OR validity_months IN (3, 6)", name="validity_months_known"),
        CheckConstraint("proforma_expires_on >= proforma_issued_on", name="proforma_dates"),
        CheckConstraint("total_amount > 0 AND freight_amount >= 0", name="amounts"),
        Index("ix_order_files_owner_created", "owner", "created_at", "id"),
        Index("ix_order_files_status_created", "status", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    access_level: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20), server_default="commercial")
    version: Mapped[int] = mapped_column(Integer)

    proforma_number: Mapped[str] = mapped_column(String(50))
    proforma_issued_on: Mapped[dt.date] = mapped_column(Date)
    proforma_expires_on: Mapped[dt.date] = mapped_column(Date)
    beneficiary_country: Mapped[str] = mapped_column(String(2))
    seller_fida_id: Mapped[str] = mapped_column(String(12))
    seller_name: Mapped[str] = mapped_column(String(200))
    incoterm: Mapped[str] = mapped_column(String(3))
    partial_shipment: Mapped[bool] = mapped_column(Boolean)
    entry_border: Mapped[str] = mapped_column(String(60))
    destination_customs: Mapped[str] = mapped_column(String(60))
    transport_fleet: Mapped[str] = mapped_column(String(20))
    total_amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    transaction_type: Mapped[str] = mapped_column(String(20))
    currency_source: Mapped[str] = mapped_column(String(40))
    payment_method: Mapped[str] = mapped_column(String(40))
    freight_amount: Mapped[Decimal] = mapped_column(MONEY)

    validity_months: Mapped[int | None] = mapped_column(SmallInteger)
    signer: Mapped[str | None] = mapped_column(String(300))
    signature_kid: Mapped[str | None] = mapped_column(String(100))
    registered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(300))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)

    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrderLine(Base):
    """A tariff line of a file: the code, the goods, quantity and value (in the file's currency)."""

    __tablename__ = "order_file_lines"
    __table_args__ = (
        CheckConstraint("hs_code ~ '^[0-9]{8}$'", name="hs_code_8_digits"),
        CheckConstraint("quantity > 0 AND value > 0", name="amounts"),
        Index("ix_order_file_lines_file", "file_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.order_files.id", ondelete="CASCADE"))
    hs_code: Mapped[str] = mapped_column(String(8))
    product_id: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    unit: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal] = mapped_column(MONEY)
    duty_category: Mapped[str | None] = mapped_column(String(40))
    permits: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrderFee(Base):
    """An order-registration fee computed by the rules service, kept with its trace."""

    __tablename__ = "order_file_fees"
    __table_args__ = (
        _one_of("kind", ("new", "amendment")),
        Index("ix_order_file_fees_file", "file_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.order_files.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    amount_rials: Mapped[int] = mapped_column(BigInteger)
    exchange_rate: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    verified: Mapped[bool] = mapped_column(Boolean)
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrderFileEvent(Base):
    """One entry of a file's history: who did what, for whom, when, under which request."""

    __tablename__ = "order_file_history"
    __table_args__ = (Index("ix_order_file_history_file", "file_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.order_files.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(300))
    principal: Mapped[str] = mapped_column(String(300))
    request_id: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrderAttachment(Base):
    """A PDF or JPEG attached to a file (at most 1 MB), stored with its SHA-256."""

    __tablename__ = "order_file_attachments"
    __table_args__ = (
        _one_of("media_type", ("application/pdf", "image/jpeg")),
        CheckConstraint("size > 0 AND size <= 1048576", name="size_limit"),
        Index("ix_order_file_attachments_file", "file_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.order_files.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ExchangeRate(Base):
    """Rials per unit of a currency from a day on (demo values, unverified: see the migration)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (CheckConstraint("rials_per_unit > 0", name="positive"),)

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    valid_from: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rials_per_unit: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    verified: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)

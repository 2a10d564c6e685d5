"""Product-ID tables, in schema ``orders``.

* ``product_headings`` and ``product_attribute_values``: the headings (a DEMO
  set loaded from ``data/headings.yaml`` by migration 0005) and the allowed
  values of their list attributes; values an officer approves are added with
  ``origin = 'approved'``.
* ``products``: issued product IDs, one per identity card (``fingerprint`` is
  unique), searchable by GTIN, VIN, Irancode, HS code, heading and text.
* ``product_requests``: requests (drafts, under supervision, issued, rejected),
  each pointing at the product it was issued or reused; their attachments and
  their audit trail (``product_request_events``).
"""

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
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Sequence,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base, metadata

# The serial of issued product IDs (``2`` + 11-digit serial + check digit).
product_id_serial = Sequence("product_id_serial", schema="orders", metadata=metadata, start=1)

STATES = "('not-sent', 'under-supervision', 'issued', 'rejected')"


class ProductHeading(Base):
    """A product heading (سرفصل کالایی). DEMO data (see the data file)."""

    __tablename__ = "product_headings"
    __table_args__ = (
        CheckConstraint("confidence IN ('H', 'M', 'L', 'G')", name="confidence_known"),
        Index("ix_product_headings_tariff_prefixes", "tariff_prefixes", postgresql_using="gin"),
        Index("ix_product_headings_isic_codes", "isic_codes", postgresql_using="gin"),
    )

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name_fa: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    alt_names: Mapped[list[str]] = mapped_column(ARRAY(Text))
    group_fa: Mapped[str] = mapped_column(Text)
    group_en: Mapped[str] = mapped_column(Text)
    tariff_prefixes: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    isic_codes: Mapped[list[str]] = mapped_column(ARRAY(String(4)))
    isic_required: Mapped[bool] = mapped_column(Boolean)
    cpc_codes: Mapped[list[str]] = mapped_column(ARRAY(String(5)))
    cpc_required: Mapped[bool] = mapped_column(Boolean)
    main_unit: Mapped[str] = mapped_column(String(10))
    supervised: Mapped[bool] = mapped_column(Boolean)
    mandatory_attachments: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    # [{key, name_fa, name_en, kind, mandatory, brand}] in display order; list values live in
    # product_attribute_values.
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))
    verified: Mapped[bool] = mapped_column(Boolean)
    demo: Mapped[bool] = mapped_column(Boolean)
    search_text: Mapped[str] = mapped_column(Text)


class ProductAttributeValue(Base):
    """An allowed value of a heading's list attribute."""

    __tablename__ = "product_attribute_values"
    __table_args__ = (CheckConstraint("origin IN ('file', 'approved')", name="origin_known"),)

    heading_id: Mapped[str] = mapped_column(
        ForeignKey("orders.product_headings.id", ondelete="CASCADE"), primary_key=True
    )
    attribute: Mapped[str] = mapped_column(String(60), primary_key=True)
    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name_fa: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(10))
    approved_by: Mapped[str | None] = mapped_column(String(300))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Product(Base):
    """An issued product ID and its identity card."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("product_id ~ '^2[0-9]{12}$'", name="product_id_13_digits"),
        CheckConstraint("code_type IN ('none', 'gtin', 'vin', 'other')", name="code_type_known"),
        CheckConstraint("gtin IS NULL OR gtin ~ '^[0-9]{13}$'", name="gtin_13_digits"),
        CheckConstraint("vin IS NULL OR vin ~ '^[A-HJ-NPR-Z0-9]{17}$'", name="vin_17"),
        CheckConstraint("irancode IS NULL OR irancode ~ '^[0-9]{16}$'", name="irancode_16_digits"),
    )

    product_id: Mapped[str] = mapped_column(String(13), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    heading_id: Mapped[str] = mapped_column(ForeignKey("orders.product_headings.id"), index=True)
    code_type: Mapped[str] = mapped_column(String(10))
    code_scheme: Mapped[str | None] = mapped_column(String(40))
    code_value: Mapped[str | None] = mapped_column(String(60))
    gtin: Mapped[str | None] = mapped_column(String(13), index=True)
    vin: Mapped[str | None] = mapped_column(String(17), index=True)
    irancode: Mapped[str | None] = mapped_column(String(16), index=True)
    hs_code: Mapped[str] = mapped_column(String(8), index=True)
    isic: Mapped[str | None] = mapped_column(String(4))
    cpc: Mapped[str | None] = mapped_column(String(5))
    main_unit: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str] = mapped_column(String(10))
    conversion_factor: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    packaging_type: Mapped[str] = mapped_column(String(20))
    packaging_weight_kg: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    # {attribute key: value code or normalised text}
    attributes: Mapped[dict[str, str]] = mapped_column(JSONB)
    description_fa: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    issued_for_request: Mapped[uuid.UUID] = mapped_column(Uuid)


class ProductRequest(Base):
    """A request for a product ID, by a merchant (``requested_for``) or their representative."""

    __tablename__ = "product_requests"
    __table_args__ = (
        CheckConstraint(f"state IN {STATES}", name="state_known"),
        CheckConstraint("(state = 'issued') = (product_id IS NOT NULL)", name="issued_has_product"),
        Index("ix_product_requests_requested_for_id", "requested_for", "id"),
        Index("ix_product_requests_state_id", "state", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    state: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, server_default="1", default=1)  # the ETag's
    heading_id: Mapped[str] = mapped_column(ForeignKey("orders.product_headings.id"))
    # The card as requested (ProductCard without attachments; decimals as strings).
    card: Mapped[dict[str, Any]] = mapped_column(JSONB)
    new_values: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    supervision_reasons: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    reused: Mapped[bool] = mapped_column(Boolean, default=False)
    product_id: Mapped[str | None] = mapped_column(ForeignKey("orders.products.product_id"), index=True)
    requested_for: Mapped[str] = mapped_column(String(300))
    requested_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(300))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)


class ProductRequestAttachment(Base):
    """A file attached to a request (PDF or JPEG up to 1 MB, type read from the content)."""

    __tablename__ = "product_request_attachments"
    __table_args__ = (
        CheckConstraint("media_type IN ('application/pdf', 'image/jpeg')", name="media_type_known"),
        CheckConstraint("size <= 1048576", name="at_most_1_mb"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.product_requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProductRequestEvent(Base):
    """The audit trail of a request: who did what, for whom, when, in which HTTP request."""

    __tablename__ = "product_request_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.product_requests.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(300))
    principal: Mapped[str] = mapped_column(String(300))
    http_request_id: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

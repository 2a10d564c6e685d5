"""Reference-data tables, in schema ``orders``.

Rows loaded from the data files carry ``origin = 'file'``; rows an admin adds
through the API (sellers, car brands and models) carry ``origin = 'admin'``
and are never touched by a re-load. Sandbox rows (demo sellers and car brands)
are served only when the sandbox is on.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orders.db import Base

CONFIDENCE_CHECK = "IN ('H', 'M', 'L', 'G')"
ORIGIN_CHECK = "origin IN ('file', 'admin')"


def _confidence(column: str, nullable: bool = False) -> CheckConstraint:
    rule = f"{column} {CONFIDENCE_CHECK}"
    return CheckConstraint(f"{column} IS NULL OR {rule}" if nullable else rule, name=f"{column}_known")


class ReferenceSource(Base):
    """A source the data cites (``sources.yaml``)."""

    __tablename__ = "reference_sources"
    __table_args__ = (_confidence("confidence"),)

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(1))
    note: Mapped[str | None] = mapped_column(Text)


class ReferenceDataSet(Base):
    """One data file as loaded: where it comes from, how sure it is, and its content hash."""

    __tablename__ = "reference_data_sets"
    __table_args__ = (_confidence("confidence"),)

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    title_fa: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))
    verified: Mapped[bool] = mapped_column(Boolean)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    item_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PermitKind(Base):
    """A kind of permit and the body that issues it."""

    __tablename__ = "permit_kinds"
    __table_args__ = (_confidence("confidence"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_fa: Mapped[str] = mapped_column(Text)
    issuing_body_id: Mapped[str] = mapped_column(String(20))
    issuing_body_en: Mapped[str] = mapped_column(Text)
    issuing_body_fa: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))


class TariffLine(Base):
    """An 8-digit national tariff line (HS six digits + two national digits)."""

    __tablename__ = "tariff_lines"
    __table_args__ = (
        CheckConstraint("hs_code ~ '^[0-9]{8}$'", name="hs_code_8_digits"),
        CheckConstraint("prohibited = (prohibition_group IS NOT NULL)", name="prohibition_has_group"),
        CheckConstraint(
            "prohibition_group IS NULL OR prohibition_group IN ('group-4', 'group-27', 'sharia')",
            name="prohibition_group_known",
        ),
        CheckConstraint(
            "currency_group IS NULL OR currency_group IN ('hall-1', 'hall-2')", name="currency_group_known"
        ),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="dates"),
        _confidence("confidence"),
        _confidence("duty_category_confidence", nullable=True),
        _confidence("permits_confidence", nullable=True),
        _confidence("prohibition_confidence", nullable=True),
    )

    hs_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    chapter: Mapped[str] = mapped_column(String(2), index=True)
    heading: Mapped[str] = mapped_column(String(4), index=True)
    subheading: Mapped[str] = mapped_column(String(6))
    description_fa: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(10))
    duty_category: Mapped[str | None] = mapped_column(String(40))
    duty_category_confidence: Mapped[str | None] = mapped_column(String(1))
    permits: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    permits_confidence: Mapped[str | None] = mapped_column(String(1))
    prohibited: Mapped[bool] = mapped_column(Boolean)
    prohibition_group: Mapped[str | None] = mapped_column(String(20))
    prohibition_reason_en: Mapped[str | None] = mapped_column(Text)
    prohibition_reason_fa: Mapped[str | None] = mapped_column(Text)
    prohibition_sources: Mapped[list[str] | None] = mapped_column(ARRAY(String(60)))
    prohibition_confidence: Mapped[str | None] = mapped_column(String(1))
    currency_group: Mapped[str | None] = mapped_column(String(10))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))
    verified: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    # Code, both descriptions and the note, normalised (Persian letters and digits): what `q` searches.
    search_text: Mapped[str] = mapped_column(Text)

    rates: Mapped[list[TariffRate]] = relationship(
        order_by="TariffRate.seq", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class TariffRate(Base):
    """A tariff-book duty rate («حقوق ورودی») of a line, dated where the source dates it."""

    __tablename__ = "tariff_line_rates"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="dates"),
        CheckConstraint("rate_percent >= 0", name="rate_not_negative"),
        _confidence("confidence"),
    )

    hs_code: Mapped[str] = mapped_column(
        ForeignKey("orders.tariff_lines.hs_code", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    rate_percent: Mapped[Decimal] = mapped_column(Numeric(7, 3))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))
    verified: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class Province(Base):
    """An Iranian province, by its ISO 3166-2 code (``IR-23`` = Tehran)."""

    __tablename__ = "provinces"

    id: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_fa: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)


class CustomsOffice(Base):
    """A customs office or entry border; ``parent_id`` is its province's head unit."""

    __tablename__ = "customs_offices"
    __table_args__ = (
        CheckConstraint("code IS NULL OR code ~ '^[0-9]{5}$'", name="code_5_digits"),
        CheckConstraint("neighbour IS NULL OR neighbour ~ '^[A-Z]{2}$'", name="neighbour_alpha2"),
        _confidence("confidence"),
    )

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    code: Mapped[str | None] = mapped_column(String(5), unique=True)
    name_fa: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    province_id: Mapped[str] = mapped_column(ForeignKey("orders.provinces.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    head: Mapped[bool] = mapped_column(Boolean)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("orders.customs_offices.id"))
    neighbour: Mapped[str | None] = mapped_column(String(2), index=True)
    modes: Mapped[list[str]] = mapped_column(ARRAY(String(10)))
    main_transit: Mapped[bool] = mapped_column(Boolean)
    clears_cars: Mapped[bool | None] = mapped_column(Boolean)
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))
    verified: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)


class Incoterm(Base):
    """One Incoterms 2020 rule."""

    __tablename__ = "incoterms"
    __table_args__ = (CheckConstraint("mode_group IN ('any', 'sea')", name="mode_group_known"),)

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_fa: Mapped[str] = mapped_column(Text)
    mode_group: Mapped[str] = mapped_column(String(3))
    seller_pays_main_carriage: Mapped[bool] = mapped_column(Boolean)
    seller_insures: Mapped[bool] = mapped_column(Boolean)
    seller_clears_import: Mapped[bool] = mapped_column(Boolean)
    place: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(SmallInteger)


class ForeignSeller(Base):
    """A foreign seller registered with a FIDA ID (شناسه فراگیر اتباع خارجی)."""

    __tablename__ = "foreign_sellers"
    __table_args__ = (
        CheckConstraint("fida_id ~ '^[0-9]{10,12}$'", name="fida_id_digits"),
        CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_alpha2"),
        CheckConstraint(ORIGIN_CHECK, name="origin_known"),
        _confidence("confidence"),
    )

    fida_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_fa: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    sandbox: Mapped[bool] = mapped_column(Boolean)
    origin: Mapped[str] = mapped_column(String(10))
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(300))


class CarBrand(Base):
    """A car brand on the allowed list of the Iranians-abroad car import."""

    __tablename__ = "car_brands"
    __table_args__ = (CheckConstraint(ORIGIN_CHECK, name="origin_known"), _confidence("confidence"))

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_fa: Mapped[str | None] = mapped_column(String(100))
    sandbox: Mapped[bool] = mapped_column(Boolean)
    verified: Mapped[bool] = mapped_column(Boolean)
    origin: Mapped[str] = mapped_column(String(10))
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(300))


class CarModel(Base):
    """A model of an allowed brand."""

    __tablename__ = "car_models"
    __table_args__ = (
        ForeignKeyConstraint(["brand_id"], ["orders.car_brands.id"]),
        CheckConstraint(ORIGIN_CHECK, name="origin_known"),
        _confidence("confidence"),
    )

    brand_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_fa: Mapped[str | None] = mapped_column(String(100))
    sandbox: Mapped[bool] = mapped_column(Boolean)
    verified: Mapped[bool] = mapped_column(Boolean)
    origin: Mapped[str] = mapped_column(String(10))
    sources: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    confidence: Mapped[str] = mapped_column(String(1))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(300))

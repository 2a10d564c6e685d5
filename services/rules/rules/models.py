"""Rules tables, in schema ``rules``: the data files as loaded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.db import service_metadata
from kit.idempotency import idempotency_table

metadata = service_metadata("rules")
idempotency_keys = idempotency_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class RuleRow(Base):
    """One rule; ``document`` is the whole rule as validated from its file."""

    __tablename__ = "rules"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    instrument: Mapped[str] = mapped_column(String(60), index=True)
    article: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(10))
    clause: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PeriodRow(Base):
    """One dated value of a rule, with its citation."""

    __tablename__ = "rule_periods"

    rule_id: Mapped[str] = mapped_column(ForeignKey("rules.rules.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    value: Mapped[Any] = mapped_column(JSONB, nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean)
    citation: Mapped[dict[str, Any]] = mapped_column(JSONB)

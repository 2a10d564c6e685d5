"""``received_events``: every event notifications has read from another service's feed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, String, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from notifications.db import Base


class ReceivedEvent(Base):
    __tablename__ = "received_events"
    __table_args__ = (
        Index("ix_received_events_service_id", "service", "id"),
        Index("ix_received_events_type_id", "type", "id"),
    )

    # The order of arrival: the admin list pages by it.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    service: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(200))
    object_kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(200))
    object_url: Mapped[str | None] = mapped_column(String(300))
    access_level: Mapped[str | None] = mapped_column(String(20))
    scope: Mapped[str | None] = mapped_column(String(40))
    office: Mapped[str | None] = mapped_column(String(60))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

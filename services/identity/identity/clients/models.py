"""Machine clients (client-credentials software, admin tools)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    DateTime,
    Index,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class MachineClient(Base):
    """A machine client (clearance software, the Mikhak feed, an admin tool)."""

    __tablename__ = "clients"
    __table_args__ = (Index("ix_clients_created_at_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # After a rotation the previous secret keeps working until ``previous_secret_valid_until``.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(128))
    previous_secret_valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

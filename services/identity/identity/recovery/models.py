"""Password recoveries in progress."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class PasswordRecovery(Base):
    """A password recovery in progress (identity.recovery): by an SMS code, or by My Government.

    Made for unknown national codes too (``party_id`` empty), so both look alike.
    """

    __tablename__ = "password_recoveries"
    __table_args__ = (
        CheckConstraint("method IN ('sms', 'my-government')", name="method"),
        Index("ix_password_recoveries_national_code_created_at", "national_code", "created_at"),
        Index("ix_password_recoveries_requester_created_at", "requester", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    method: Mapped[str] = mapped_column(String(20))
    national_code: Mapped[str] = mapped_column(String(10))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    verification_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verification_codes.id"))
    # SHA-256 of the reset code My Government's callback answers (method my-government).
    reset_code_hash: Mapped[str | None] = mapped_column(String(64))
    requester: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Role assignments."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class RoleAssignment(Base):
    """A role a party holds. Base roles come with registration; merchant, trader
    and officer roles are assigned by an admin client. At most one live
    assignment per party and role."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint(
            "role IN ('base-natural', 'base-legal', 'merchant', 'trader', 'officer')", name="role"
        ),
        CheckConstraint(
            "role <> 'merchant' OR (commercial_card_number IS NOT NULL AND card_expires_on IS NOT NULL)",
            name="merchant_has_card",
        ),
        CheckConstraint("role <> 'officer' OR office_code IS NOT NULL", name="officer_has_office"),
        Index(
            "uq_role_assignments_live",
            "party_id",
            "role",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    commercial_card_number: Mapped[str | None] = mapped_column(String(20))
    card_issued_on: Mapped[date | None] = mapped_column(Date)
    card_expires_on: Mapped[date | None] = mapped_column(Date)
    office_kind: Mapped[str | None] = mapped_column(String(30))  # customs-office | issuing-authority
    office_code: Mapped[str | None] = mapped_column(String(20))
    office_name: Mapped[str | None] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Grants of representation and their history."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class Representation(Base):
    """A grant of representation. ``state`` is what was decided; whether it is
    active or expired today follows from the dates (``identity.representations.service``)."""

    __tablename__ = "representations"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'accepted', 'rejected', 'revoked')", name="state"),
        CheckConstraint("access_level IN ('very-limited', 'limited', 'medium', 'full')", name="access_level"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        Index("ix_representations_grantor_created_at", "grantor_id", "created_at", "id"),
        Index("ix_representations_representative_created_at", "representative_id", "created_at", "id"),
        # The expiry task's work: accepted grants whose expiry is not yet published.
        Index(
            "ix_representations_expiry_due",
            "ends_on",
            postgresql_where=text("state = 'accepted' AND expiry_published_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    grantor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"))
    grantor_role: Mapped[str] = mapped_column(String(20))
    representative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    access_level: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), server_default="pending")
    signature: Mapped[str] = mapped_column(Text)  # the detached JWS over the signed request body
    signature_kid: Mapped[str] = mapped_column(String(64))
    signed_body: Mapped[bytes] = mapped_column(LargeBinary)  # the exact bytes that were signed
    created_by: Mapped[str] = mapped_column(String(200))  # the acting subject, when not the grantor
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When ``representation.expired`` was published (once, by the expiry task).
    expiry_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RepresentationEvent(Base):
    """The history of a grant: who did what, for whom, when, with which request."""

    __tablename__ = "representation_events"
    __table_args__ = (Index("ix_representation_events_representation_id", "representation_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    representation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("representations.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

"""``subscriptions`` and their signing secrets (``subscription_secrets``)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ARRAY, CheckConstraint, DateTime, ForeignKey, Index, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from notifications.db import Base

# pending-verification: a webhook URL that has not yet answered its challenge (the box still fills);
# active: delivering; disabled: the endpoint answered 410 or its owner disabled it (the box still fills).
SUBSCRIPTION_STATES = ("pending-verification", "active", "disabled")


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("state IN ('pending-verification', 'active', 'disabled')", name="state"),
        Index("ix_subscriptions_owner", "owner", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Who it is for: the token's subject (``user:…``, ``client:…``) in its own name, never acting for
    # someone; what it receives is what that subject may read (notifications.visibility).
    owner: Mapped[str] = mapped_column(String(200))
    # The officer's office when the owner's token carried one (``<kind>:<code>``), as of subscribing.
    office: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(200))
    # Patterns: an exact type, ``<service>.*`` or ``*``.
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(30), default="active")
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    # The challenge the webhook URL must echo, while pending verification.
    challenge: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SubscriptionSecret(Base):
    """A ``whsec_`` signing secret: every secret not yet retired signs each delivery (a rotation
    keeps the old one for a while, so receivers can switch without losing a message)."""

    __tablename__ = "subscription_secrets"
    __table_args__ = (Index("ix_subscription_secrets_subscription", "subscription_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    # ``whsec_`` + base64 of 32 random bytes; shown once, when created.
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Null while current; after a rotation, when the old secret stops signing.
    retires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

"""Login challenges, back-off of failed logins, and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class LoginChallenge(Base):
    """A password accepted, waiting for the second factor (SMS or TOTP code)."""

    __tablename__ = "login_challenges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(10))
    verification_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verification_codes.id"))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed logins counted under one key (identity.login.throttle): an account and
    source address, a source address, or an account from every source."""

    __tablename__ = "login_throttles"
    __table_args__ = (Index("ix_login_throttles_account_ref", "account_ref"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Keyed hash of the national code typed (known or not); none for a source's own count.
    account_ref: Mapped[str | None] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RefreshToken(Base):
    """A rotating refresh token. Only its SHA-256 is kept.

    Each use spends it and issues the next in the same ``family_id``; a spent
    token presented again means it leaked, and the whole family is revoked.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_id", "family_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column()
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    amr: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    # When the user authenticated (copied along the family): ``auth_time`` and the absolute limit.
    auth_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

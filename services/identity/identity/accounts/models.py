"""Parties (natural and legal persons), their accounts, registration attempts and legal managers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class Party(Base):
    """A natural or legal person known to Panjereh.

    Tokens name a party as ``user:<id>`` (natural) or ``legal:<id>`` (legal);
    see ``identity.subjects``. A natural person becomes ``active`` once the
    mobile is confirmed; a legal person is active when registered by a manager.
    """

    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint("kind IN ('natural', 'legal')", name="kind"),
        CheckConstraint(
            "(kind = 'natural' AND national_code IS NOT NULL AND national_id IS NULL)"
            " OR (kind = 'legal' AND national_id IS NOT NULL AND national_code IS NULL)",
            name="identifier_matches_kind",
        ),
        CheckConstraint("status IN ('pending', 'active', 'disabled')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(10))
    national_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    national_id: Mapped[str | None] = mapped_column(String(11), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))  # legal persons
    mobile: Mapped[str | None] = mapped_column(String(11))  # 09xxxxxxxxx
    postal_code: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    # Legal persons: the companies registry's registration number and when the registry last
    # confirmed the national ID and its managers. A legal person is ``pending`` (unverified)
    # until then: no roles, no grants, no acting as it, not found by the admin look-up.
    registration_number: Mapped[str | None] = mapped_column(String(40))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Account(Base):
    """The login of a natural person: password and second factor (failed logins: ``LoginThrottle``)."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("two_factor IN ('none', 'sms', 'totp')", name="two_factor"),)

    party_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    two_factor: Mapped[str] = mapped_column(String(10), server_default="none")
    # TOTP secrets are AES-GCM encrypted with the key-encryption key (identity.crypto).
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_pending_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # refuses a replayed code


class RegistrationAttempt(Base):
    """One registration of a natural person, waiting for its SMS code.

    Each attempt holds its own details and password hash and has its own codes
    (``verification_codes.registration_id``): a second attempt for the same
    national code never touches the first. Confirming an attempt makes the
    party and account from that attempt's data only; the other pending
    attempts of the national code are then ``superseded``. Whichever confirms
    first wins: the advisory lock of the national code and the unique
    ``parties.national_code`` let exactly one account be made.
    """

    __tablename__ = "registration_attempts"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'superseded')", name="status"),
        Index("ix_registration_attempts_national_code_status", "national_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    national_code: Mapped[str] = mapped_column(String(10))
    mobile: Mapped[str] = mapped_column(String(11))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(255))
    requester: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LegalManager(Base):
    """A natural person who manages (acts as) a legal person."""

    __tablename__ = "legal_managers"
    __table_args__ = (Index("ix_legal_managers_manager_id", "manager_id"),)

    legal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True
    )
    manager_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True
    )
    added_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

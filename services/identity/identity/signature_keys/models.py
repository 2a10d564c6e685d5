"""Users' signature keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class SignatureKey(Base):
    """A user's public signing key (the seed's "token"): pending until the SMS code confirms it."""

    __tablename__ = "signature_keys"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'revoked')", name="status"),
        CheckConstraint("alg IN ('ES256', 'EdDSA')", name="alg"),
        Index("uq_signature_keys_party_kid", "party_id", "kid", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    kid: Mapped[str] = mapped_column(String(64))  # RFC 7638 thumbprint
    alg: Mapped[str] = mapped_column(String(10))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    verification_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verification_codes.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

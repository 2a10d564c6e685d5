"""Identity's metadata (schema ``identity``), its declarative base, and the tables shared by
every domain: signing keys, one-time codes, the SMS outbox and the kit tables (audit,
idempotency, signature JTIs, outbox). Each domain package declares its own tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.audit import audit_table
from kit.db import service_metadata
from kit.feeds import feed_cursor_table, seen_events_table
from kit.idempotency import idempotency_table
from kit.outbox import outbox_table
from kit.signatures import signature_jti_table

metadata = service_metadata("identity")
idempotency_keys = idempotency_table(metadata)
signature_jtis = signature_jti_table(metadata)
audit_log = audit_table(metadata)
outbox_events = outbox_table(metadata)
feed_cursors = feed_cursor_table(metadata)
seen_events = seen_events_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class SigningKey(Base):
    """An ES256 key pair. The private half is encrypted at rest (AES-GCM).

    A retired key signs nothing more but stays in the JWKS until
    ``publish_until``, so tokens it signed keep verifying until they expire.
    """

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    publish_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VerificationCode(Base):
    """A one-time code sent by SMS: registration, login, change of mobile, key registration.

    Only a hash of the code is kept. ``requester`` is who asked for it (client
    ID or IP), for the per-client sending limit.
    """

    __tablename__ = "verification_codes"
    __table_args__ = (
        Index("ix_verification_codes_mobile_created_at", "mobile", "created_at"),
        Index("ix_verification_codes_requester_created_at", "requester", "created_at"),
        Index("ix_verification_codes_registration_id", "registration_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    purpose: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(11))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    # A registration code belongs to one attempt: only that attempt's newest code confirms it.
    registration_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("registration_attempts.id", ondelete="CASCADE")
    )
    requester: Mapped[str] = mapped_column(String(200))
    code_hash: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SmsMessage(Base):
    """Every SMS sent, whatever the adapter: the outbox the sandbox endpoint reads."""

    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_mobile_id", "mobile", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    mobile: Mapped[str] = mapped_column(String(11))
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(40))
    adapter: Mapped[str] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), server_default="stored")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditEntry(Base):
    """A security event: who, for whom, what, when, from where, in which request, and whether
    it was allowed (``kit.audit``; append-only, the database refuses changes)."""

    __table__ = audit_log


# Each domain package declares its tables on ``Base``; importing them here puts every
# table on ``metadata`` for alembic and for ``create_all``.
from identity.accounts import models as _accounts_models  # noqa: E402, F401
from identity.clients import models as _clients_models  # noqa: E402, F401
from identity.login import models as _login_models  # noqa: E402, F401
from identity.recovery import models as _recovery_models  # noqa: E402, F401
from identity.representations import models as _representations_models  # noqa: E402, F401
from identity.roles import models as _roles_models  # noqa: E402, F401
from identity.sandbox import models as _sandbox_models  # noqa: E402, F401
from identity.signature_keys import models as _signature_keys_models  # noqa: E402, F401
from identity.sso import models as _sso_models  # noqa: E402, F401
